// Splits a plain-text reply into the new text and the quoted history below (or inside) it.

/// The result of ``ReplyExtractor/split(_:)``.
public struct ReplySplit: Sendable, Equatable {
    /// The new text, with quoted history removed (signatures are kept; see ``SignatureDetector``).
    public var visible: String
    /// Removed quoted history, in order (kind `.quote`, or `.forwardHeader` for a forward marker block).
    public var removed: [RemovedSpan]
    /// The new text above the removed history (`visible` also keeps text below it, such as a signature).
    public var above: String
    /// The quoted message itself: the removed history without its intro/header lines and one level of `> `.
    public var quotedBody: String
}

/// Finds quoted history in plain text with a line-marker scan.
///
/// Each line is marked `e` (empty), `m` (`>`-quoted), `s` (splitter: an "On … wrote:" intro, an
/// "Original Message" rule or a From/Sent/To block), `f` (forward marker) or `t` (text). Then:
/// - with no splitter and fewer than three quoted lines, quoted lines count as text;
/// - text between quoted blocks means an inline reply: nothing is removed;
/// - a splitter followed by unquoted text cuts everything from the splitter on;
/// - otherwise the span from the first splitter (or run of quoted lines) to the last quoted line goes,
///   and text after it (a signature under a bottom quote) stays.
public enum ReplyExtractor {
    /// Marks for each line (see the type's description).
    enum Mark: UInt8 { case empty, quoted, splitter, forward, text }

    /// Splits normalised plain text into the new text and the removed quoted history.
    ///
    /// - Parameters:
    ///   - text: normalised plain text.
    ///   - trustQuoteMarks: treat every `>` line as quoted (text converted from HTML quote containers);
    ///     plain text needs three quoted lines or a splitter, since a lone `>` may be the writer's own.
    public static func split(_ text: String, trustQuoteMarks: Bool = false) -> ReplySplit {
        let raw = LineScanner.lines(text)
        return split(text, raw: raw, lines: raw.map { ScannedLine($0) }, trustQuoteMarks: trustQuoteMarks)
    }

    /// ``split(_:trustQuoteMarks:)`` on lines already split and scanned.
    static func split(_ text: String, raw rawIn: [Substring], lines linesIn: [ScannedLine],
                      trustQuoteMarks: Bool, marked: ([Mark], [Splitter])? = nil) -> ReplySplit {
        let raw = separateSharedIntroLines(rawIn)
        let same = raw.count == rawIn.count
        let lines = same ? linesIn : raw.map { ScannedLine($0) }
        let (marks, splitters) = same ? (marked ?? markLines(lines)) : markLines(lines)
        // A forward is not quoted history: ForwardExtractor handles it.
        if let firstSplitter = splitters.first, firstSplitter.kind == .forwardMarker,
           !marks[..<firstSplitter.start].contains(.quoted) {
            return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
        }
        guard let cut = quotationRange(marks, minQuoted: trustQuoteMarks ? 1 : 3) else {
            return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
        }
        if trustQuoteMarks && raw[..<cut.lowerBound].allSatisfy({ LineScanner.trim($0).isEmpty })
            && raw[cut.upperBound...].allSatisfy({ LineScanner.trim($0).isEmpty }) {
            // Everything is quoted: keep it rather than return nothing.
            return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
        }
        let kind: RemovedKind = splitters.first { $0.start == cut.lowerBound }?.kind == .forwardMarker
            ? .forwardHeader : .quote
        let kept = Array(raw[..<cut.lowerBound]) + Array(raw[cut.upperBound...])
        let removedText = raw[cut].joined(separator: "\n")
        var bodyStart = cut.lowerBound
        while bodyStart < cut.upperBound && marks[bodyStart] == .splitter { bodyStart += 1 }
        // A quoted intro ("> On … wrote:", as HTML quote containers hold it) is not part of the quoted message.
        while bodyStart < cut.upperBound && lines[bodyStart].isBlank { bodyStart += 1 }
        if bodyStart < cut.upperBound, let intro = SplitterDetector.splitter(in: lines, at: bodyStart),
           intro.kind == .replyIntro {
            bodyStart = min(cut.upperBound, bodyStart + intro.lineCount)
        }
        let quotedBody = ForwardExtractor.unquote(Array(lines[bodyStart..<cut.upperBound]),
                                                  raw: Array(raw[bodyStart..<cut.upperBound]))
        return ReplySplit(visible: kept.joined(separator: "\n"), removed: [RemovedSpan(kind: kind, text: removedText)],
                          above: raw[..<cut.lowerBound].joined(separator: "\n"), quotedBody: quotedBody)
    }

    /// Puts an "On … wrote:" that shares a line with the reply ("reply On …, bob@x.com wrote:") on its own line.
    static func separateSharedIntroLines(_ lines: [Substring]) -> [Substring] {
        let wrote = Array("wrote:".utf8)
        func endsWithWrote(_ line: Substring) -> Bool {
            line.utf8.count >= wrote.count && line.utf8.suffix(wrote.count).elementsEqual(wrote)
        }
        guard lines.contains(where: { endsWithWrote($0) && $0.has(" On ") }) else { return lines }
        var out: [Substring] = []
        for line in lines {
            if line.utf8.count <= 1200, endsWithWrote(line), let on = line.range(of: " On ", options: .backwards) {
                var head = line[..<on.lowerBound]
                while head.last == "-" || head.last == " " { head = head.dropLast() }
                if !head.isEmpty && !head.hasPrefix(">") {
                    out.append(head)
                    out.append(line[line.index(after: on.lowerBound)...])
                    continue
                }
            }
            out.append(line)
        }
        return out
    }

    /// Marks every line and lists the splitters found.
    static func markLines(_ lines: [ScannedLine]) -> ([Mark], [Splitter]) {
        var marks = [Mark](repeating: .text, count: lines.count)
        var splitters: [Splitter] = []
        var i = 0
        while i < lines.count {
            let line = lines[i]
            if line.isBlank {
                marks[i] = line.quoteDepth > 0 ? .quoted : .empty
            } else if line.quoteDepth > 0 {
                marks[i] = .quoted
            } else if let s = SplitterDetector.splitter(in: lines, at: i) {
                for j in i..<min(lines.count, i + s.lineCount) { marks[j] = .splitter }
                splitters.append(s)
                i += max(1, s.lineCount)
                continue
            } else {
                marks[i] = .text
            }
            i += 1
        }
        // A link or wrapped fragment between quoted lines belongs to the quote ("(http://x) >").
        var previousMark: [Mark?] = Array(repeating: nil, count: marks.count)
        var nextMark: [Mark?] = Array(repeating: nil, count: marks.count)
        var last: Mark? = nil
        for i in marks.indices { previousMark[i] = last; if marks[i] != .empty { last = marks[i] } }
        last = nil
        for i in marks.indices.reversed() { nextMark[i] = last; if marks[i] != .empty { last = marks[i] } }
        for i in marks.indices where marks[i] == .text && previousMark[i] == .quoted && nextMark[i] == .quoted {
            let c = lines[i].content
            let wrappedURLPart = !c.has(" ") && c.contains(where: { $0 == "=" || $0 == "/" || $0 == "&" || $0 == "_" })
            // A mis-wrapped quote: a short lowercase continuation right under a long quoted line.
            let wrappedQuote = i > 0 && marks[i - 1] == .quoted && lines[i - 1].content.utf8.count >= 60
                && c.utf8.count <= 30 && c.first?.isLowercase == true
            if c.has("://") || wrappedURLPart || wrappedQuote { marks[i] = .quoted }
        }
        return (marks, splitters)
    }

    /// The line range to remove, or nil when the message has no quoted history to remove.
    static func quotationRange(_ marksIn: [Mark], minQuoted: Int = 3) -> Range<Int>? {
        var marks = marksIn
        let hasSplitter = marks.contains(.splitter)
        if !hasSplitter && !hasQuotedRun(marks, atLeast: minQuoted) {
            for i in marks.indices where marks[i] == .quoted { marks[i] = .text }
            return nil
        }
        if isInlineReply(marks) { return nil }
        // A splitter followed (after blanks or more splitter lines) by unquoted text: cut from the splitter on.
        var i = 0
        while i < marks.count {
            if marks[i] == .splitter {
                var j = i
                while j < marks.count && (marks[j] == .splitter || marks[j] == .empty) { j += 1 }
                if j < marks.count && (marks[j] == .text || marks[j] == .forward) { return i..<marks.count }
                i = j
            } else {
                i += 1
            }
        }
        // The span from the first splitter / quoted run to the last quoted line.
        guard let lastQuoted = marks.lastIndex(where: { $0 == .quoted }) else {
            return firstEmptyQuotation(marks, minQuoted: minQuoted)
        }
        var end = lastQuoted + 1
        while end < marks.count && marks[end] == .empty { end += 1 }
        let tailIsPlain = marks[end...].allSatisfy { $0 == .text || $0 == .empty }
        if tailIsPlain {
            // run[i]: quoted lines in the run starting at i (blank lines do not break a run), computed once.
            var run = [Int](repeating: 0, count: marks.count + 1)
            for i in stride(from: marks.count - 1, through: 0, by: -1) {
                run[i] = marks[i] == .quoted ? run[i + 1] + 1 : (marks[i] == .empty ? run[i + 1] : 0)
            }
            for start in 0...lastQuoted
            where marks[start] == .splitter || (marks[start] == .quoted && run[start] >= minQuoted) {
                return start..<end
            }
        }
        return firstEmptyQuotation(marks, minQuoted: minQuoted)
    }

    /// A splitter alone or a run of at least two quoted lines, with nothing after it worth keeping.
    private static func firstEmptyQuotation(_ marks: [Mark], minQuoted: Int) -> Range<Int>? {
        for start in marks.indices {
            if marks[start] == .splitter {
                var end = start
                while end < marks.count && marks[end] == .splitter { end += 1 }
                return start..<end
            }
            if marks[start] == .quoted {
                let n = quotedRunLength(marks, from: start)
                if n >= min(2, minQuoted) {
                    var end = start
                    var seen = 0
                    while end < marks.count && seen < n {
                        if marks[end] == .quoted { seen += 1 }
                        end += 1
                    }
                    return start..<end
                }
            }
        }
        return nil
    }

    /// Number of quoted lines in the run at `start` (empty lines between quoted lines do not break it).
    static func quotedRunLength(_ marks: [Mark], from start: Int) -> Int {
        var n = 0
        var i = start
        while i < marks.count {
            if marks[i] == .quoted { n += 1 } else if marks[i] != .empty { break }
            i += 1
        }
        return n
    }

    /// Whether any run of quoted lines (blank lines allowed inside) has at least `n` quoted lines.
    static func hasQuotedRun(_ marks: [Mark], atLeast n: Int) -> Bool {
        var i = 0
        while i < marks.count {
            if marks[i] == .quoted {
                let run = quotedRunLength(marks, from: i)
                if run >= n { return true }
                while i < marks.count && (marks[i] == .quoted || marks[i] == .empty) { i += 1 }
            } else {
                i += 1
            }
        }
        return false
    }

    /// Text that sits between two quoted blocks: the writer answered inline, so nothing is history.
    static func isInlineReply(_ marks: [Mark]) -> Bool {
        var seenQuote = false
        var textAfterQuote = false
        for m in marks {
            switch m {
            case .quoted:
                if textAfterQuote { return true }
                seenQuote = true
            case .text:
                if seenQuote { textAfterQuote = true }
            case .empty:
                continue
            case .splitter, .forward:
                seenQuote = false
                textAfterQuote = false
            }
        }
        return false
    }
}
