// Finds company legal footers (Impressum, HRB, USt-IdNr.) and confidentiality/environment disclaimers.

/// Detects legal footers and disclaimers: paragraphs at the bottom of a message that contain their key phrases.
///
/// Paragraphs (blocks between blank lines) are checked from the bottom up; each one that reads as a footer is
/// removed, together with short contact lines (address, phone, web) between footer paragraphs. The scan stops
/// at the first paragraph that is ordinary text, so the client's question above a footer is never touched.
public enum FooterDetector {
    /// Phrases of German and English company legal footers.
    static let legalPhrases: [String] = [
        "impressum", "geschäftsführer", "geschäftsführerin", "geschäftsführung", "geschaeftsfuehrer", "vorstand:",
        "vorstand ", "vorsitzender des aufsichtsrat", "aufsichtsrat", "handelsregister", "registergericht",
        "amtsgericht", "hrb ", "hrb:", "hra ", "ust-id", "ust.-id", "ust id", "umsatzsteuer-id", "ust-idnr",
        "steuernummer", "steuer-nr", "sitz der gesellschaft", "sitz:", "registered office", "registered in",
        "company number", "company registration", "vat no", "vat number", "vat reg", "managing director",
        "court of registration", "registration court", "geschäftsführende gesellschafter", "wirtschafts-id",
        "firmenbuch", "handelsregisternummer", "komplementär", "persönlich haftende gesellschafterin",
    ]

    /// Phrases of confidentiality and environmental disclaimers.
    static let disclaimerPhrases: [String] = [
        "confidential", "intended recipient", "intended solely", "intended only for", "privileged",
        "if you have received this", "if you are not the intended", "received this e-mail in error",
        "received this email in error", "unauthorized", "unauthorised", "disclaimer", "vertraulich",
        "nicht der richtige adressat", "nicht der beabsichtigte empfänger", "irrtümlich erhalten",
        "irrtümlich", "falschen adressaten", "unbefugte", "nicht gestattet", "diese e-mail enthält",
        "diese e-mail kann", "diese nachricht enthält", "please consider the environment",
        "think before you print", "before printing", "bitte denken sie an die umwelt", "umwelt zuliebe",
        "bevor sie diese e-mail ausdrucken", "drucken sie diese", "save a tree", "ce message et ses pièces",
        "destinataire", "confidentiel", "riservat", "vertrouwelijk", "datenschutzhinweis", "datenschutzerklärung",
        "privacy notice", "this e-mail and any attachments", "this email and any attachments",
        "this message and any attachments", "virus",
    ]

    /// The phrase lists as one-pass matchers.
    static let legalSet = PhraseSet(legalPhrases)
    static let disclaimerSet = PhraseSet(disclaimerPhrases)

    /// A footer paragraph found by ``split(_:)``.
    public struct Footer: Sendable, Equatable {
        /// `.legalFooter` or `.disclaimer`.
        public var kind: RemovedKind
        /// The removed text.
        public var text: String
    }

    /// Splits normalised text into the body and the footer paragraphs at its bottom (in order).
    public static func split(_ text: String) -> (body: String, footers: [Footer]) {
        let raw = LineScanner.lines(text)
        guard let (cut, footers) = footerCut(raw) else { return (text, []) }
        var bodyEnd = cut
        while bodyEnd > 0, LineScanner.trim(raw[bodyEnd - 1]).isEmpty { bodyEnd -= 1 }
        return (LineScanner.span(raw[..<bodyEnd]), footers)
    }

    /// The index of the first footer line in `raw` and the footers (in order), or nil when there is none.
    static func footerCut(_ raw: [Substring]) -> (cut: Int, footers: [Footer])? {
        func blank(_ k: Int) -> Bool { LineScanner.trim(raw[k]).isEmpty }
        // The first paragraph is never a footer: it holds the message.
        var firstEnd = 0
        while firstEnd < raw.count && blank(firstEnd) { firstEnd += 1 }
        while firstEnd < raw.count && !blank(firstEnd) { firstEnd += 1 }
        // Paragraphs below the first one, bottom-up, as far as the scan needs them (lazily).
        var i = raw.count
        func previousParagraph() -> Range<Int>? {
            while i > firstEnd && blank(i - 1) { i -= 1 }
            let end = i
            while i > firstEnd && !blank(i - 1) { i -= 1 }
            return i < end ? i..<end : nil
        }
        var footers: [Footer] = []
        var cut = raw.count
        var pendingContact: [Range<Int>] = []
        while let p = previousParagraph() {
            let lower = LineScanner.lowercased(LineScanner.span(raw[p])[...])
            if let kind = footerKind(lower) {
                footers.append(Footer(kind: kind, text: LineScanner.span(raw[p])))
                for c in pendingContact { footers[footers.count - 1].text += "\n\n" + LineScanner.span(raw[c]) }
                pendingContact.removeAll()
                cut = p.lowerBound
            } else if !footers.isEmpty && isContactBlock(raw[p]) {
                pendingContact.insert(p, at: 0)
            } else {
                break
            }
        }
        // Contact lines found above the topmost footer belong to it.
        if let first = pendingContact.first, !footers.isEmpty {
            footers[footers.count - 1].text = LineScanner.span(raw[first.lowerBound..<cut]) + "\n\n"
                + footers[footers.count - 1].text
            cut = first.lowerBound
        }
        guard !footers.isEmpty else { return nil }
        return (cut, footers.reversed())
    }

    /// `.legalFooter`, `.disclaimer` or nil for a lowercased paragraph.
    static func footerKind(_ lower: String) -> RemovedKind? {
        guard lower.utf8.count <= 12_000 else { return nil }
        if lower.has("?") && !lower.has("http") { return nil }
        let legal = legalSet.countDistinct(in: lower)
        let disclaimer = disclaimerSet.countDistinct(in: lower)
        if legal == 0 && disclaimer == 0 { return nil }
        if legal >= disclaimer { return legal >= 1 ? .legalFooter : nil }
        // One weak word ("virus", "vertraulich") in a short paragraph is not enough for a disclaimer.
        return disclaimer >= 2 || lower.utf8.count >= 120 ? .disclaimer : nil
    }

    /// Short lines of address/phone/web/company data ("Musterstr. 1", "Tel. +49 …", "www.firma.de").
    static func isContactBlock(_ lines: ArraySlice<Substring>) -> Bool {
        guard lines.count <= 8 else { return false }
        var signals = 0
        for line in lines {
            let t = LineScanner.trim(line)
            let lower = LineScanner.lowercased(t)
            if t.count > 60 || t.has("?") || SignatureDetector.isClosing(lower) { return false }
            if LineScanner.hasDigitOrAt(lower) || lower.has("www.") || lower.has("http")
                || lower.has("gmbh") || lower.has("str.") || lower.has("straße") { signals += 1 }
        }
        return signals * 2 >= lines.count
    }
}
