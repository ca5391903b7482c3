// Caller-defined quote headers (literal prefix plus ordered literal fragments, no regular expressions).

/// A quote header of the caller's own mail system, e.g. `From: <anything> <anything>help@example.com`.
///
/// A line matches when, after its leading spaces, it starts with ``prefix`` and then contains each of
/// ``fragments`` in order (any text, possibly none, may stand between them). Matching is case-sensitive,
/// literal and linear in the line (each fragment is searched once after the previous one); only the first
/// ``QuoteHeaderPattern/maxLineBytes`` bytes of a line are looked at.
public struct QuoteHeaderPattern: Sendable, Equatable, Hashable {
    /// The text the line must start with (after leading spaces and tabs); may be empty.
    public var prefix: String
    /// Texts that must follow the prefix on the same line, in this order.
    public var fragments: [String]

    /// Lines are matched on at most this many leading UTF-8 bytes (bounded work per line).
    public static let maxLineBytes = 400

    /// Creates a pattern; an entirely empty pattern (no prefix, no fragments) matches nothing.
    public init(prefix: String, fragments: [String] = []) {
        self.prefix = prefix
        self.fragments = fragments
    }

    /// Whether `line` is such a header.
    public func matches(_ line: Substring) -> Bool {
        if prefix.isEmpty && fragments.allSatisfy(\.isEmpty) { return false }
        var bytes = Array(line.utf8.prefix(Self.maxLineBytes))[...]
        while let b = bytes.first, b == 0x20 || b == 0x09 { bytes = bytes.dropFirst() }
        guard bytes.starts(with: prefix.utf8) else { return false }
        var rest = bytes.dropFirst(prefix.utf8.count)
        for fragment in fragments where !fragment.isEmpty {
            guard let end = Self.endOfFirst(Array(fragment.utf8), in: rest) else { return false }
            rest = rest[end...]
        }
        return true
    }

    /// The index just after the first occurrence of `needle` in `hay`, or nil.
    private static func endOfFirst(_ needle: [UInt8], in hay: ArraySlice<UInt8>) -> Int? {
        guard !needle.isEmpty, hay.count >= needle.count else { return nil }
        var i = hay.startIndex
        while i + needle.count <= hay.endIndex {
            if hay[i] == needle[0] && hay[i..<(i + needle.count)].elementsEqual(needle) { return i + needle.count }
            i += 1
        }
        return nil
    }

    /// Splits `text` at the first line (not `>`-quoted) that one of `patterns` matches: the text above it and
    /// the text from it on (the quoted history), or nil when no line matches.
    public static func cut(_ text: String, patterns: [QuoteHeaderPattern]) -> (above: String, quote: String)? {
        guard !patterns.isEmpty else { return nil }
        let lines = LineScanner.lines(text)
        for (i, line) in lines.enumerated() where LineScanner.trim(line).first != ">" {
            if patterns.contains(where: { $0.matches(line) }) {
                return (LineScanner.span(lines[..<i]), LineScanner.span(lines[i...]))
            }
        }
        return nil
    }
}

/// How ``HTMLTextConverter`` writes list items (a peer-emulation setting for the fixture evaluator; the cleaner
/// always marks items).
package enum HTMLListMarkers: Sendable, Equatable {
    /// "- " before `<ul>` items and "1. ", "2. " before `<ol>` items (the default; keeps list structure).
    case marked
    /// No markers: only the item text on its own line, as lxml's `text_content()` (quotequail) renders lists.
    case none
}

/// Which `<blockquote>` elements ``HTMLTextConverter`` treats as quoted history (a peer-emulation setting for the
/// fixture evaluator; the cleaner treats every blockquote as a quote).
package enum HTMLBlockquotes: Sendable, Equatable {
    /// Every blockquote (the default; mail clients quote with them).
    case all
    /// Only the last blockquote that is neither inside another nor of class `gmail_quote`; the others are
    /// ordinary text (talon's `cut_blockquote`, which removes just that one).
    case lastTopLevel
}
