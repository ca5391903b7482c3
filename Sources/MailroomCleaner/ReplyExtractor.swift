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
    /// The intro or header lines that open the removed history ("On … wrote:"), as they stood.
    public var intro: String = ""
    /// For each removed span, how many lines of `visible` stand above it.
    public var removedAt: [Int] = []
}

/// What ``ReplyExtractor`` does with quoted blocks when the writer answered between them (an inline reply).
///
/// Peers differ: talon keeps the whole message; github hides only the quoted block after the writer's last
/// text; zapier, willdurand and crisp hide every quoted block and its intro.
public enum InlineQuotes: Sendable, Equatable {
    /// Keep everything: an answer may refer to any quoted block (the cleaner's default).
    case keep
    /// Remove the last quoted block when only a signature (or nothing) follows it.
    case removeTrailing
    /// Remove every quoted block and reply intro, keeping the writer's text between them.
    case removeAll
}

/// Finds quoted history in plain text with a line-marker scan.
///
/// Each line is marked `e` (empty), `m` (`>`-quoted), `s` (splitter: an "On … wrote:" intro, an
/// "Original Message" rule or a From/Sent/To block), `f` (forward marker) or `t` (text). Then:
/// - with no splitter and fewer than three quoted lines, quoted lines count as text;
/// - text between quoted blocks means an inline reply: nothing is removed (``InlineQuotes`` can ask for the
///   trailing block or every block to go);
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
    ///   - inlineQuotes: what to do with quoted blocks of an inline reply (see ``InlineQuotes``).
    public static func split(_ text: String, trustQuoteMarks: Bool = false,
                             inlineQuotes: InlineQuotes = .keep) -> ReplySplit {
        let raw = LineScanner.lines(text)
        return split(text, raw: raw, lines: raw.map { ScannedLine($0) }, trustQuoteMarks: trustQuoteMarks,
                     inlineQuotes: inlineQuotes)
    }

    /// ``split(_:trustQuoteMarks:inlineQuotes:)`` on lines already split and scanned; `details: false` skips
    /// `above`, `intro` and `quotedBody` (left empty), which the cleaner does not use.
    static func split(_ text: String, raw rawIn: [Substring], lines linesIn: [ScannedLine],
                      trustQuoteMarks: Bool, marked: ([Mark], [Splitter])? = nil,
                      inlineQuotes: InlineQuotes = .keep, details: Bool = true) -> ReplySplit {
        let raw = separateSharedIntroLines(rawIn)
        let same = raw.count == rawIn.count
        let lines = same ? linesIn : raw.map { ScannedLine($0) }
        let (marks, splitters) = same ? (marked ?? markLines(lines)) : markLines(lines)
        // A forward is not quoted history: ForwardExtractor handles it.
        if let firstSplitter = splitters.first, firstSplitter.kind == .forwardMarker,
           !marks[..<firstSplitter.start].contains(.quoted) {
            return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
        }
        let minQuoted = trustQuoteMarks ? 1 : 3
        if inlineQuotes != .keep, marks.contains(.splitter) || hasQuotedRun(marks, atLeast: minQuoted),
           isInlineReply(marks) {
            return splitInline(raw: raw, marks: marks, policy: inlineQuotes, text: text)
        }
        guard let cut = quotationRange(marks, minQuoted: minQuoted) else {
            return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
        }
        if trustQuoteMarks && !(marks[cut.lowerBound] == .splitter && marks[cut].contains(.quoted))
            && raw[..<cut.lowerBound].allSatisfy({ LineScanner.trim($0).isEmpty })
            && raw[cut.upperBound...].allSatisfy({ LineScanner.trim($0).isEmpty }) {
            // Everything sits in a quote container without an intro (some clients wrap the whole message in one):
            // keep it rather than return nothing. An "On … wrote:" intro over a quote makes it quoted history,
            // as in text (the cleaner then keeps the quoted message when nothing else is left).
            return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
        }
        let kind: RemovedKind = splitters.first { $0.start == cut.lowerBound }?.kind == .forwardMarker
            ? .forwardHeader : .quote
        let kept = Array(raw[..<cut.lowerBound]) + Array(raw[cut.upperBound...])
        // Lines cut straight from `text` are taken as slices of it (faster than joining them one by one).
        let removedText = same ? LineScanner.span(raw[cut]) : raw[cut].joined(separator: "\n")
        guard details else {
            // The cleaner needs only the kept text and the removed span.
            let above = LineScanner.span(raw[..<cut.lowerBound])
            let below = LineScanner.span(raw[cut.upperBound...])
            let visible = !same ? kept.joined(separator: "\n")
                : above.isEmpty && cut.lowerBound == 0 ? below
                : cut.upperBound == raw.count ? above : above + "\n" + below
            return ReplySplit(visible: visible,
                              removed: [RemovedSpan(kind: kind, text: removedText)], above: "", quotedBody: "",
                              removedAt: [cut.lowerBound])
        }
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
                          above: raw[..<cut.lowerBound].joined(separator: "\n"), quotedBody: quotedBody,
                          intro: raw[cut.lowerBound..<bodyStart].joined(separator: "\n"),
                          removedAt: [cut.lowerBound])
    }

    /// Removes the quoted blocks of an inline reply that `policy` names (see ``InlineQuotes``).
    static func splitInline(raw: [Substring], marks: [Mark], policy: InlineQuotes, text: String) -> ReplySplit {
        // Runs of quoted / splitter lines (blank lines inside and after a run belong to it).
        var runs: [Range<Int>] = []
        var i = 0
        while i < marks.count {
            guard marks[i] == .quoted || marks[i] == .splitter else { i += 1; continue }
            let start = i
            var end = i + 1
            var j = i + 1
            while j < marks.count && marks[j] != .text && marks[j] != .forward {
                j += 1
                if marks[j - 1] != .empty { end = j }
            }
            while end < marks.count && marks[end] == .empty { end += 1 }
            runs.append(start..<end)
            i = end
        }
        if policy == .removeTrailing {
            guard let last = runs.last else {
                return ReplySplit(visible: text, removed: [], above: text, quotedBody: "")
            }
            // Only a signature (delimiter or mobile line) or nothing may follow the last quoted block.
            if let next = raw[last.upperBound...].first(where: { !LineScanner.trim($0).isEmpty }) {
                let t = LineScanner.trim(next)
                guard SignatureDetector.isDelimiter(t) || SignatureDetector.isMobileLine(LineScanner.lowercased(t))
                else { return ReplySplit(visible: text, removed: [], above: text, quotedBody: "") }
            }
            runs = [last]
        }
        var kept: [Substring] = []
        var removed: [RemovedSpan] = []
        var removedAt: [Int] = []
        var previous = 0
        for run in runs {
            kept += raw[previous..<run.lowerBound]
            removedAt.append(kept.count)
            removed.append(RemovedSpan(kind: .quote, text: raw[run].joined(separator: "\n")))
            previous = run.upperBound
        }
        kept += raw[previous...]
        let first = runs.first?.lowerBound ?? raw.count
        return ReplySplit(visible: kept.joined(separator: "\n"), removed: removed,
                          above: raw[..<first].joined(separator: "\n"), quotedBody: "", removedAt: removedAt)
    }

    /// Puts an "On … wrote:" that shares a line with the reply ("reply On …, bob@x.com wrote:") on its own line.
    static func separateSharedIntroLines(_ lines: [Substring]) -> [Substring] {
        let wrote = Array("wrote:".utf8)
        func endsWithWrote(_ line: Substring) -> Bool {
            line.utf8.last == UInt8(ascii: ":") && line.utf8.count >= wrote.count
                && line.utf8.suffix(wrote.count).elementsEqual(wrote)
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
            // Longer ones count too when a quoted line follows directly (no blank line on either side).
            let wrappedQuote = i > 0 && marks[i - 1] == .quoted && lines[i - 1].content.utf8.count >= 60
                && c.first?.isLowercase == true
                && (c.utf8.count <= 30 || (c.utf8.count <= 100 && i + 1 < marks.count && marks[i + 1] == .quoted))
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
