// The non-default peer configurations some peer tests use, mapped onto cleaner options.
import MailroomCleaner

extension PeerFixtureCase {
    /// talon tests that patch `quotations.MAX_LINES_COUNT` (recorded in the notes as `MAX_LINES_COUNT=N`):
    /// talon then reads only the first N lines of the message (``CleanerOptions/maxLines``).
    var patchedMaxLines: Int? {
        guard source == "mailgun/talon", let notes, let range = notes.range(of: "MAX_LINES_COUNT=") else {
            return nil
        }
        let digits = notes[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }
}

/// A custom quote-header regex that a willdurand test adds to the parser (`peer_options`), read as a
/// ``QuoteHeaderPattern`` when it is only literals and `.+`/`.*` wildcards anchored at a line start
/// (`/^(From\: .+ .+x\@y\.com.+)/ms`); anything else (classes, alternatives, quantifiers on literals) is not
/// translated, and the case runs without it.
struct WilldurandQuoteHeader {
    /// The literal pattern: text before the first wildcard, then the literals between wildcards.
    var pattern: QuoteHeaderPattern
    /// With the `s` flag a trailing wildcard runs to the end of the message, so the whole rest is the header
    /// that willdurand writes on one line.
    var runsToEnd: Bool

    init?(regex: String) {
        guard regex.first == "/", let close = regex.lastIndex(of: "/"), close > regex.startIndex else { return nil }
        let flags = regex[regex.index(after: close)...]
        var body = Substring(regex[regex.index(after: regex.startIndex)..<close])
        // `^` must mean a line start (the `m` flag), as the cleaner matches line by line.
        guard flags.contains("m"), body.first == "^" else { return nil }
        body = body.dropFirst()
        if body.first == "(", body.last == ")" { body = body.dropFirst().dropLast() }
        var pieces: [String] = [""]
        var endsWithWildcard = false
        var chars = body[...]
        while let ch = chars.first {
            chars = chars.dropFirst()
            endsWithWildcard = false
            if ch == "\\" {
                // Only escaped punctuation is a literal (`\d`, `\s`, `\b` … are classes).
                guard let next = chars.first, !next.isLetter, !next.isNumber else { return nil }
                pieces[pieces.count - 1].append(next)
                chars = chars.dropFirst()
            } else if ch == ".", let q = chars.first, q == "+" || q == "*" {
                chars = chars.dropFirst()
                pieces.append("")
                endsWithWildcard = true
            } else if ".[](){}|?*+$^".contains(ch) {
                return nil
            } else {
                pieces[pieces.count - 1].append(ch)
            }
        }
        let fragments = pieces.dropFirst().filter { !$0.isEmpty }
        guard !pieces[0].isEmpty || !fragments.isEmpty else { return nil }
        pattern = QuoteHeaderPattern(prefix: pieces[0], fragments: Array(fragments))
        runsToEnd = endsWithWildcard && flags.contains("s")
    }
}

extension PeerFixtureEvaluator {
    /// Text written on one line, as willdurand rewrites the quote headers its patterns match ("\n" → " ").
    static func foldedLine(_ text: String) -> String {
        canonical(text).replacingOccurrences(of: "\n", with: " ")
    }
}

extension PeerFixtureEvaluator {
    /// alfonsrv's reply header is the From/Sent block itself (its `from_header` pattern), and its signature
    /// pattern takes only "--"/"__" lines and Outlook separators of 32 or more "-"/"_": so a shorter rule that
    /// stands alone above a header block closing the message stays in the reply above, stripped (alfonsrv
    /// strips every line). Returns the split with that rule moved from the removed history to the kept text.
    static func ruleAboveBottomHeader(_ r: ReplySplit) -> ReplySplit? {
        guard r.removed.count == 1, let quote = r.removed.first, quote.kind == .quote,
              let at = r.removedAt.first else { return nil }
        let keptLines = LineScanner.lines(r.visible)
        // Only a history at the bottom (nothing kept below it).
        guard keptLines[min(at, keptLines.count)...].allSatisfy({ LineScanner.trim($0).isEmpty }) else { return nil }
        let lines = LineScanner.lines(quote.text)
        let rule = LineScanner.trim(lines[0])
        guard LineScanner.isRule(rule), rule.count < 32, rule.allSatisfy({ $0 == "-" || $0 == "_" }) else {
            return nil
        }
        var next = 1
        while next < lines.count && LineScanner.trim(lines[next]).isEmpty { next += 1 }
        guard next > 1, next < lines.count else { return nil }
        let scanned = lines[next..<min(lines.count, next + 20)].map { ScannedLine($0) }
        guard SplitterDetector.splitter(in: scanned, at: 0)?.kind == .headerBlock else { return nil }
        var moved = r
        let above = Array(keptLines[..<min(at, keptLines.count)])
        moved.visible = (above + [rule]).joined(separator: "\n")
        moved.removed = [RemovedSpan(kind: quote.kind, text: LineScanner.span(lines[next...]))]
        moved.removedAt = [above.count + 1]
        return moved
    }
}
