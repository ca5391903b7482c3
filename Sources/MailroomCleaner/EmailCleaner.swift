// The cleaner stage's logic: pick a body, normalise it, and strip quotes, forwards, signatures and footers.

/// Extracts the client's own new text from an e-mail body and reports everything it removed.
///
/// ```swift
/// let cleaner = EmailCleaner()
/// let result = cleaner.clean(text: plainBody, html: htmlBody)
/// print(result.text)                       // the client's question
/// for span in result.removed { print(span.kind) }   // quote, signature, legal_footer, …
/// ```
///
/// Steps: choose the body (text/plain unless it is missing, a stub or HTML itself), cap its size,
/// normalise Unicode, convert HTML, keep the first ``CleanerOptions/maxLines`` lines if set, cut at a
/// caller-defined quote header (``CleanerOptions/customQuoteHeaders``), split off a forward (keeping the forwarder's comment, or the forwarded
/// body when there is none), remove quoted history, then remove footers, disclaimers and the signature
/// from the bottom up. Work is linear in the input apart from bounded per-line windows.
public struct EmailCleaner: Sendable {
    /// The options this cleaner uses.
    public let options: CleanerOptions

    /// Creates a cleaner.
    public init(options: CleanerOptions = .init()) {
        self.options = options
    }

    /// Cleans one e-mail.
    ///
    /// - Parameters:
    ///   - text: the text/plain body, if any.
    ///   - html: the text/html body, if any.
    ///   - subject: the subject, if known; a "Fwd:"/"WG:" prefix helps recognise forwards.
    ///   - sender: the sender ("Name <address>"), if known; a bottom line naming them starts the signature.
    /// - Returns: the client's text and the removed spans.
    public func clean(text: String?, html: String?, subject: String? = nil, sender: String? = nil) -> CleanResult {
        let (body, isHTML) = Self.chooseBody(text: text, html: html)
        guard let body else { return CleanResult(text: "", removed: [], inputTruncated: false, source: .none) }
        let (head, truncated) = TextNormalizer.truncate(body, maxBytes: options.maxInputBytes)
        var removed: [RemovedSpan] = []
        var current: String
        if isHTML {
            let conversion = HTMLTextConverter.convert(head, listMarkers: options.htmlListMarkers,
                                                       blockquotes: options.htmlBlockquotes)
            current = TextNormalizer.normalize(conversion.text)
            removed += conversion.hidden.map { RemovedSpan(kind: .htmlHidden, text: TextNormalizer.normalize($0)) }
        } else {
            current = TextNormalizer.normalize(head)
        }
        var linesDropped = false
        if let maxLines = options.maxLines {
            (current, linesDropped) = TextNormalizer.truncate(current, maxLines: maxLines)
        }
        current = cleanText(current, subject: subject, sender: sender, fromHTML: isHTML, removed: &removed)
        return CleanResult(text: current, removed: removed, inputTruncated: truncated || linesDropped,
                           source: isHTML ? .html : .text)
    }

    /// Cleans already normalised plain text (custom quote headers, quotes, forwards, footers, signature),
    /// appending removed spans.
    ///
    /// - Parameter fromHTML: the text came from ``HTMLTextConverter``, so its `> ` marks are real quotes.
    public func cleanText(_ text: String, subject: String? = nil, sender: String? = nil, fromHTML: Bool = false,
                          removed: inout [RemovedSpan]) -> String {
        var current = text
        if !options.customQuoteHeaders.isEmpty,
           let custom = QuoteHeaderPattern.cut(text, patterns: options.customQuoteHeaders) {
            // The caller's own quote header: everything from it on is quoted history.
            removed.append(RemovedSpan(kind: .quote, text: custom.quote))
            current = custom.above
        }
        let raw = LineScanner.lines(current)
        let scanned = raw.map { ScannedLine($0) }
        let marked = ReplyExtractor.markLines(scanned)
        var unquotedSplitters: [Int: Splitter] = [:]
        for s in marked.1 { unquotedSplitters[s.start] = s }
        let forward = ForwardExtractor.parse(raw: raw, lines: scanned, subject: subject,
                                             unquotedSplitters: unquotedSplitters, details: false)
        if let forward {
            removed.append(RemovedSpan(kind: .forwardHeader, text: forward.header))
            if !forward.comment.isEmpty || !options.keepForwardedBodyWhenAlone {
                if !forward.body.isEmpty { removed.append(RemovedSpan(kind: .forwardedMessage, text: forward.body)) }
                current = [forward.comment, forward.commentBelow].filter { !$0.isEmpty }.joined(separator: "\n\n")
            } else {
                current = [forward.body, forward.commentBelow].filter { !$0.isEmpty }.joined(separator: "\n\n")
            }
        }
        let reply: ReplySplit
        if forward == nil {
            reply = ReplyExtractor.split(current, raw: raw, lines: scanned, trustQuoteMarks: fromHTML, marked: marked,
                                         details: false)
        } else {
            let commentLines = LineScanner.lines(current)
            reply = ReplyExtractor.split(current, raw: commentLines, lines: commentLines.map { ScannedLine($0) },
                                         trustQuoteMarks: fromHTML, details: false)
        }
        if options.keepForwardedBodyWhenAlone, Self.isBlank(reply.visible), !reply.removed.isEmpty {
            // Nothing but quoted history: keep the quoted message itself, as for a forward without a comment.
            let full = ReplyExtractor.split(current, trustQuoteMarks: fromHTML)
            if !Self.isBlank(full.quotedBody) {
                if !Self.isBlank(full.intro) { removed.append(RemovedSpan(kind: .quote, text: full.intro)) }
                current = full.quotedBody
            } else {
                current = reply.visible
                removed += reply.removed
            }
        } else {
            current = reply.visible
            removed += reply.removed
        }
        current = stripBottom(current, sender: sender, removed: &removed)
        return Self.tidy(current)
    }

    /// Removes footers, disclaimers, mobile lines and signatures from the bottom, repeating while one is found.
    /// Works on the lines of `text` and joins them once at the end.
    private func stripBottom(_ text: String, sender: String?, removed: inout [RemovedSpan]) -> String {
        var lines = LineScanner.lines(text)
        var bottom: [RemovedSpan] = []
        /// Keeps the lines above `cut`, without blank lines at the end.
        func cutAt(_ cut: Int) {
            lines.removeSubrange(cut...)
            while let last = lines.last, LineScanner.trim(last).isEmpty { lines.removeLast() }
        }
        for _ in 0..<4 {
            var changed = false
            if options.removeFooters, let (cut, footers) = FooterDetector.footerCut(lines) {
                bottom.insert(contentsOf: footers.map { RemovedSpan(kind: $0.kind, text: $0.text) }, at: 0)
                cutAt(cut)
                changed = true
            }
            if options.removeSignatures,
               let (start, mobileOnly) = SignatureDetector.signatureStart(in: lines, sender: sender) {
                bottom.insert(RemovedSpan(kind: mobileOnly ? .mobileFooter : .signature,
                                          text: LineScanner.span(lines[start...])), at: 0)
                cutAt(start)
                changed = true
            }
            if !changed { break }
        }
        removed += bottom
        return LineScanner.span(lines[...])
    }

    /// Picks the body to clean: text/plain unless it is empty, HTML itself, or a stub much shorter than the HTML.
    static func chooseBody(text: String?, html: String?) -> (String?, Bool) {
        let plain = text.flatMap { isBlank($0) ? nil : $0 }
        let markup = html.flatMap { isBlank($0) ? nil : $0 }
        guard let plain else { return (markup, markup != nil) }
        if looksLikeHTML(plain) { return (plain, true) }
        if let markup, plain.utf8.count < 200 {
            let htmlText = HTMLTextConverter.convert(markup).text
            if htmlText.utf8.count > 3 * plain.utf8.count + 40 { return (markup, true) }
        }
        return (plain, false)
    }

    /// Whether the text is empty or only whitespace (ASCII or Unicode).
    static func isBlank(_ text: String) -> Bool {
        guard let first = text.utf8.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            return true
        }
        return first >= 0x80 && text.trimmingCharacters().isEmpty
    }

    /// Whether a "plain" body is really HTML markup.
    static func looksLikeHTML(_ text: String) -> Bool {
        let tags: [[UInt8]] = ["html", "body", "div", "p", "br", "table"].map { Array($0.utf8) }
        return text.utf8.prefix(4000).withContiguousStorageIfAvailable { b -> Bool in
            var i = 0
            while i < b.count {
                if b[i] == UInt8(ascii: "<") {
                    for tag in tags where i + tag.count + 1 < b.count {
                        var k = 0
                        while k < tag.count && (b[i + 1 + k] | 0x20) == tag[k] { k += 1 }
                        guard k == tag.count else { continue }
                        let t = b[i + 1 + k]
                        if t == UInt8(ascii: ">") || t == 0x20 || t == UInt8(ascii: "/") { return true }
                    }
                }
                i += 1
            }
            return false
        } ?? false
    }

    /// Trims trailing whitespace per line, collapses runs of empty lines and trims the ends.
    static func tidy(_ text: String) -> String {
        // Fast path: nothing to trim or collapse.
        var copy = text
        let clean = copy.withUTF8 { b -> Bool in
            guard let first = b.first, let last = b.last, first != 0x0A, last != 0x0A, last != 0x20, last != 0x09 else {
                return b.isEmpty
            }
            for i in 1..<b.count where b[i] == 0x0A {
                let p = b[i - 1]
                if p == 0x20 || p == 0x09 { return false }
                if p == 0x0A && i >= 2 && b[i - 2] == 0x0A { return false }
            }
            return true
        }
        if clean { return text }
        // One pass over the bytes: copy each line without its trailing spaces/tabs, write at most one empty line
        // between lines, and none at either end.
        return copy.withUTF8 { b -> String in
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var pendingBreaks = 0  // line breaks owed before the next non-empty line (capped at two)
            var start = 0
            while start <= b.count {
                var end = start
                while end < b.count && b[end] != 0x0A { end += 1 }
                var last = end
                while last > start && (b[last - 1] == 0x20 || b[last - 1] == 0x09) { last -= 1 }
                if last > start {
                    if !out.isEmpty { out.append(contentsOf: repeatElement(0x0A, count: max(1, pendingBreaks))) }
                    out.append(contentsOf: b[start..<last])
                    pendingBreaks = 1
                } else if !out.isEmpty {
                    pendingBreaks = 2
                }
                start = end + 1
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
