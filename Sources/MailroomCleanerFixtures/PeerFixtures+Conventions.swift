// Each peer's own conventions for what it reports (signature rules, inline quotes, how fragments are joined).
import MailroomCleaner

extension PeerFixtureEvaluator {
    /// The removed quotes and signature lines in the order they stood in the message; `blankLinesAfterPiece`
    /// caps the blank lines that end each piece (a quote, or a run of signature lines between quotes).
    static func removedInOrder(_ r: ReplySplit, _ s: SignatureSplit, blankLinesAfterPiece: Int? = nil) -> String {
        let lines = LineScanner.lines(r.visible)
        let sigStart = s.signature.isEmpty ? lines.count : (s.startLine ?? lines.count)
        let spans = zip(r.removedAt, r.removed.map(\.text)).sorted { $0.0 < $1.0 }
        var pieces: [[Substring]] = []
        var k = 0
        while k < spans.count && spans[k].0 <= sigStart { pieces.append(LineScanner.lines(spans[k].1)); k += 1 }
        var run: [Substring] = []
        for j in sigStart..<lines.count {
            while k < spans.count && spans[k].0 == j {
                if !run.isEmpty { pieces.append(run); run = [] }
                pieces.append(LineScanner.lines(spans[k].1))
                k += 1
            }
            run.append(lines[j])
        }
        if !run.isEmpty { pieces.append(run) }
        while k < spans.count { pieces.append(LineScanner.lines(spans[k].1)); k += 1 }
        if let cap = blankLinesAfterPiece {
            pieces = pieces.map { piece in
                var p = piece
                var blanks = 0
                while let last = p.last, LineScanner.trim(last).isEmpty { blanks += 1; p.removeLast() }
                return p + Array(repeating: "", count: min(blanks, cap))
            }
        }
        return canonical(pieces.map { $0.joined(separator: "\n") }.joined(separator: "\n"))
    }

    /// The text below a From/Sent/Subject block that opens the message (alfonsrv parses a whole message, whose
    /// own header block may come first), or the text itself.
    static func withoutLeadingHeaderBlock(_ text: String) -> String {
        let raw = LineScanner.lines(text)
        guard let first = raw.firstIndex(where: { !LineScanner.trim($0).isEmpty }) else { return text }
        let window = raw[first..<min(raw.count, first + 20)].map { ScannedLine($0) }
        guard let block = SplitterDetector.splitter(in: window, at: 0), block.kind == .headerBlock else { return text }
        return LineScanner.span(raw[min(raw.count, first + block.lineCount)...])
    }

    /// The removed history with a multi-line "On … wrote:" intro (``ReplySplit/intro``) joined into one line by
    /// spaces, as willdurand's parser rewrites the quote headers its patterns match.
    static func foldedIntro(_ r: ReplySplit) -> String {
        guard let span = r.removed.first?.text else { return "" }
        var introLines = LineScanner.lines(r.intro)
        while let last = introLines.last, LineScanner.trim(last).isEmpty { introLines.removeLast() }
        let lines = LineScanner.lines(span)
        // Only "On … wrote:" intros (what willdurand's default header patterns match), not header blocks.
        guard introLines.count > 1, introLines.count <= lines.count,
              zip(introLines, lines).allSatisfy({ $0 == $1 }),
              LineScanner.headerKey(LineScanner.lowercased(LineScanner.trim(introLines[0]))) == nil,
              VerbFinder.firstVerb(in: LineScanner.lowercased(introLines.joined(separator: " ")[...])) != nil
        else { return span }
        let folded = introLines.map { LineScanner.trim($0) }.joined(separator: " ")
        return ([folded[...]] + lines[introLines.count...]).joined(separator: "\n")
    }

    /// A signature cut into fragments at blank lines followed by a delimiter or "-Name" line, each stripped of
    /// blank lines at its ends, joined with "\n" (how zapier reports its hidden signature fragments).
    static func zapierFragments(_ signature: String) -> String {
        var fragments: [[Substring]] = [[]]
        var blankBefore = false
        for line in LineScanner.lines(signature) {
            let t = LineScanner.trim(line)
            if t.isEmpty { blankBefore = true; fragments[fragments.count - 1].append(line); continue }
            let startsSignature = t.hasPrefix("--") || t.hasPrefix("__")
                || (t.first == "-" && t.dropFirst().first?.isLetter == true)
            if blankBefore && startsSignature { fragments.append([]) }
            fragments[fragments.count - 1].append(line)
            blankBefore = false
        }
        return fragments.map { canonical($0.joined(separator: "\n")) }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    /// The kept text between removed spans, each part stripped of blank lines at its ends, joined with "\n".
    static func strippedParts(_ r: ReplySplit) -> String {
        let lines = LineScanner.lines(r.visible)
        var cuts = r.removedAt.filter { $0 > 0 && $0 < lines.count }
        cuts.sort()
        var parts: [String] = []
        var previous = 0
        for cut in cuts + [lines.count] where cut >= previous {
            let part = canonical(lines[previous..<cut].joined(separator: "\n"))
            if !part.isEmpty { parts.append(part) }
            previous = cut
        }
        return parts.joined(separator: "\n")
    }

    /// How each peer treats the quoted blocks of an inline reply (see ``InlineQuotes``): github hides the block
    /// after the last reply text; zapier, willdurand and crisp hide every quoted fragment.
    static func inlineQuotes(_ source: String) -> InlineQuotes {
        switch source {
        case "github/email_reply_parser": return .removeTrailing
        case "zapier/email-reply-parser", "crisp-oss/email-reply-parser", "willdurand/EmailReplyParser":
            return .removeAll
        default: return .keep
        }
    }

    /// The signature starts each peer recognises (from its README/regexes): crisp delimiters, mobile lines and
    /// sign-offs ("Regards", "Cheers"; not "Thanks"); github, zapier and willdurand delimiters, mobile lines and
    /// "-Name" lines; talon and alfonsrv also every closing.
    static func signatureRules(_ source: String) -> SignatureRules {
        switch source {
        case "crisp-oss/email-reply-parser": return .signOffs
        case "github/email_reply_parser", "zapier/email-reply-parser", "willdurand/EmailReplyParser": return .dashNames
        default: return .all
        }
    }
}
