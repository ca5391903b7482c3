// Recognises forwarded messages: the forwarder's own comment, the forward header block and the forwarded body.

/// A forwarded message found by ``ForwardExtractor/parse(_:subject:)``.
public struct ForwardedMessage: Sendable, Equatable {
    /// What the forwarder wrote above the forwarded message (trimmed; empty when nothing).
    public var comment: String
    /// The forward marker and header block ("---------- Forwarded message ---------", From/Date/Subject lines).
    public var header: String
    /// The forwarded message's text, with one level of `> ` quoting or common indentation removed.
    public var body: String
    /// The forwarded message's subject, when the header block names one.
    public var subject: String?
    /// What the forwarder wrote below a `> `-quoted forwarded message (trimmed; empty when nothing).
    public var commentBelow: String = ""
}

/// Finds the first forward in a plain-text body.
///
/// Explicit markers ("Forwarded message", "Weitergeleitete Nachricht", "Begin forwarded message:",
/// "Anfang der weitergeleiteten Nachricht:" and their equivalents in the fixture languages) always count.
/// A reply-style block (an "On … wrote:" intro, "-----Original Message-----" or a bare From/Sent/To block)
/// counts as a forward when the subject starts with a forward prefix (Fwd:, WG:, TR:, …), or when there is no
/// reply subject (Re:/AW:) and nothing is written above it.
public enum ForwardExtractor {
    /// Parses normalised text; `subject` (optional) helps tell forwards from replies.
    ///
    /// - Parameter headerBlocksAreForwards: also count a bare From/Sent/To block or an "Original Message"
    ///   separator below the writer's text as a forward when the subject does not mark a reply. Outlook writes
    ///   replies and forwards with the same block, so this suits a caller that already knows the message
    ///   carries a forward (forward parsers such as crisp's and quotequail's `unwrap` read it this way); the
    ///   cleaner leaves it off and treats such a block under text as quoted history.
    public static func parse(_ text: String, subject: String? = nil,
                             headerBlocksAreForwards: Bool = false) -> ForwardedMessage? {
        let raw = LineScanner.lines(text)
        return parse(raw: raw, lines: raw.map { ScannedLine($0) }, subject: subject,
                     headerBlocksAreForwards: headerBlocksAreForwards)
    }

    /// ``parse(_:subject:)`` on lines already split and scanned.
    ///
    /// `unquotedSplitters` (from ``ReplyExtractor/markLines(_:)``) saves recomputing splitters on unquoted lines;
    /// `details: false` skips the forwarded subject (left nil), which the cleaner does not use. `raw` must be the
    /// lines of one text as ``LineScanner/lines(_:)`` cuts them.
    static func parse(raw: [Substring], lines: [ScannedLine], subject: String?,
                      unquotedSplitters: [Int: Splitter]? = nil,
                      headerBlocksAreForwards: Bool = false, details: Bool = true) -> ForwardedMessage? {
        var i = 0
        while i < lines.count {
            let found = lines[i].quoteDepth == 0 && unquotedSplitters != nil
                ? unquotedSplitters?[i] : SplitterDetector.splitter(in: lines, at: i)
            guard let splitter = found else { i += 1; continue }
            let above = i
            /// Whether nothing but whitespace stands above the splitter (without joining the lines).
            func commentIsEmpty() -> Bool {
                for line in raw[..<above] {
                    for b in line.utf8 where !(b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A) {
                        return b < 0x80 ? false : raw[..<above].joined(separator: "\n").trimmingCharacters().isEmpty
                    }
                }
                return true
            }
            let isForward: Bool
            switch splitter.kind {
            case .forwardMarker:
                isForward = true
            case .replyIntro, .headerBlock:
                if let s = subject, hasForwardPrefix(s) { isForward = true }
                else if let s = subject, hasReplyPrefix(s) { isForward = false }
                else if headerBlocksAreForwards
                    && (splitter.kind == .headerBlock || LineScanner.dashedSeparatorWords(lines[i].content) != nil) {
                    isForward = true
                } else { isForward = commentIsEmpty() }
            }
            guard isForward else { return nil }
            let comment = LineScanner.span(raw[..<i]).trimmingCharacters()
            let headerEnd = min(raw.count, i + splitter.lineCount)
            let header = LineScanner.span(raw[i..<headerEnd])
            // A quoted forward ends at its last quoted line; unquoted text after it is the forwarder's again.
            var bodyEnd = raw.count
            let quotedForward = lines[i].quoteDepth > 0
                || lines[headerEnd...].first(where: { !$0.isBlank }).map { $0.quoteDepth > 0 } == true
            if quotedForward, let lastQuoted = lines.lastIndex(where: { $0.quoteDepth > 0 }), lastQuoted >= headerEnd {
                bodyEnd = lastQuoted + 1
            }
            let body = unquote(Array(lines[headerEnd..<bodyEnd]), raw: Array(raw[headerEnd..<bodyEnd]))
            var message = ForwardedMessage(comment: comment, header: header, body: body,
                                           subject: details ? subjectValue(Array(lines[i..<headerEnd])) : nil)
            message.commentBelow = LineScanner.span(raw[bodyEnd...]).trimmingCharacters()
            return message
        }
        return nil
    }

    /// Whether a subject starts with a forward prefix ("Fwd:", "FW:", "WG:", "TR:", "RV:").
    public static func hasForwardPrefix(_ subject: String) -> Bool {
        prefixWord(subject).map { HeaderVocabulary.forwardSubjectPrefixes.contains($0) } ?? false
    }

    /// Whether a subject starts with a reply prefix ("Re:", "AW:", "SV:", "Antw:").
    public static func hasReplyPrefix(_ subject: String) -> Bool {
        prefixWord(subject).map { ["re", "aw", "sv", "antw", "vs", "odp", "ynt", "atb", "ang", "res"].contains($0) }
            ?? false
    }

    private static func prefixWord(_ subject: String) -> String? {
        let lower = subject.lowercased().trimmingCharacters()
        guard let colon = lower.firstIndex(where: { $0 == ":" || $0 == "：" }) else { return nil }
        let word = lower[..<colon].trimmingCharacters()
        return word.count <= 12 ? word : nil
    }

    /// Header keys that name the subject.
    static let subjectKeys: Set<String> = [
        "subject", "betreff", "objet", "sujet", "asunto", "oggetto", "onderwerp", "temat", "emne", "ämne", "aihe",
        "tárgy", "předmět", "predmet", "тема", "konu", "subiect", "assunto", "naslov", "teema", "件名", "主题",
    ]

    /// The value of the block's subject line, if any.
    private static func subjectValue(_ lines: [ScannedLine]) -> String? {
        for l in lines where l.hasHeaderKey {
            guard let key = LineScanner.headerKey(l.lower), subjectKeys.contains(String(key)),
                  let colon = l.content.firstIndex(where: { $0 == ":" || $0 == "：" }) else { continue }
            var value = l.content[l.content.index(after: colon)...]
            while value.first == "*" { value = value.dropFirst() }
            return String(value).trimmingCharacters()
        }
        return nil
    }

    /// The body lines without one level of quoting, or without the indentation all its lines share.
    static func unquote(_ lines: [ScannedLine], raw: [Substring]) -> String {
        let content = lines.indices.filter { !lines[$0].isBlank }
        guard !content.isEmpty else { return "" }
        var out: [Substring]
        if content.allSatisfy({ lines[$0].quoteDepth > 0 }) {
            out = raw.map { line in
                guard let gt = line.firstIndex(of: ">") else { return line }
                var rest = line[line.index(after: gt)...]
                if rest.first == " " { rest = rest.dropFirst() }
                return rest
            }
        } else {
            let indent = content.map { raw[$0].prefix(while: { $0 == " " || $0 == "\t" }).count }.min() ?? 0
            out = raw.map { $0.dropFirst(min(indent, $0.prefix(while: { $0 == " " || $0 == "\t" }).count)) }
        }
        return out.joined(separator: "\n").trimmingCharacters()
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace and newlines.
    func trimmingCharacters() -> String {
        // Fast path: ASCII whitespace at both ends, trimmed on the UTF-8 view.
        let whole = Substring(self)
        let utf8 = whole.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x09 || b == 0x0D }
        if let f = utf8.first, let l = utf8.last, f < 0x80, l < 0x80, utf8.contains(where: { !isSpace($0) }) {
            var start = utf8.startIndex
            var end = utf8.endIndex
            while isSpace(utf8[start]) { start = utf8.index(after: start) }
            while isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
            if start < end, utf8[start] < 0x80, utf8[utf8.index(before: end)] < 0x80 {
                return String(whole[start..<end])
            }
        }
        var s = self[...]
        while let c = s.first, c.isWhitespace { s = s.dropFirst() }
        while let c = s.last, c.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
