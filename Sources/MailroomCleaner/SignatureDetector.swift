// Finds the signature at the bottom of a message: "-- " delimiters, closings with a name block, "Sent from my …".

/// The result of ``SignatureDetector/split(_:)``.
public struct SignatureSplit: Sendable, Equatable {
    /// The message without its signature.
    public var body: String
    /// The signature (empty when none was found).
    public var signature: String
    /// `.signature`, or `.mobileFooter` when the signature is only a "Sent from my …" line.
    public var kind: RemovedKind
}

/// Which signature starts ``SignatureDetector`` accepts (peers differ; the cleaner uses ``all``).
public struct SignatureRules: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// "-Name" / "/Name" lines (github, zapier, willdurand, talon).
    public static let dashNames = SignatureRules(rawValue: 1)
    /// Closings alone on a line followed by a short block ("Best regards,", "Viele Grüße", "Thanks!").
    public static let closings = SignatureRules(rawValue: 2)
    /// Delimiters and mobile lines only (crisp).
    public static let delimitersOnly: SignatureRules = []
    /// Everything: delimiters, mobile lines, dash names and closings.
    public static let all: SignatureRules = [.dashNames, .closings]
}

/// Detects signatures by scanning the last lines of a message from the bottom up.
///
/// A signature starts at a delimiter (`--`, `__`, a rule of dashes), a "-Name" line, a closing
/// ("Best regards", "Mit freundlichen Grüßen", "Thanks!") standing alone on its line, or a mobile
/// "sent from" line. Only short lines may follow it, never a question, and it never starts on the
/// first line of the message (a message that is only a signature is kept).
public enum SignatureDetector {
    /// How many non-empty lines at the bottom can be signature.
    public static let maxSignatureLines = 14
    /// Lines longer than this end the upward scan (a signature line is short).
    public static let maxSignatureLineLength = 60

    /// Splits normalised text into body and signature.
    ///
    /// A mobile "sent from" line also ends the message when text follows it (a reply quoted without header).
    ///
    /// - Parameter sender: the sender ("Jane Doe <jane@x.com>" or an address), if known: a short bottom line
    ///   naming them starts the signature too.
    public static func split(_ text: String, rules: SignatureRules = .all, sender: String? = nil) -> SignatureSplit {
        let raw = LineScanner.lines(text)
        let senderWords = sender.map(nameWords) ?? []
        // Only the bottom lines are scanned, so lines are prepared on demand.
        func blank(_ k: Int) -> Bool { LineScanner.trim(raw[k]).allSatisfy { $0 == ">" || $0 == " " } }
        guard let firstContent = raw.indices.first(where: { !blank($0) }) else {
            return SignatureSplit(body: text, signature: "", kind: .signature)
        }
        var start: Int?
        var startIsMobileOnly = false
        var nonEmpty = 0
        var i = raw.count - 1
        while i > firstContent {
            if blank(i) { i -= 1; continue }
            let line = ScannedLine(raw[i], full: false)
            i -= 1
            if line.isBlank { continue }
            nonEmpty += 1
            if nonEmpty > maxSignatureLines { break }
            let index = i + 1
            if isMobileLine(line.lower) {
                start = index
                startIsMobileOnly = true
                continue
            }
            let previous = raw[..<index].last { !LineScanner.trim($0).isEmpty }.map { LineScanner.trim($0) }
            let next = index + 1 < raw.count ? LineScanner.trim(raw[index + 1]) : ""
            let dashName = rules.contains(.dashNames) && isDashName(line.content) && (line.raw.first == "-" || line.raw.first == "/")
                && next.first != "-" && previous?.first != "-"
            let namesSender = !senderWords.isEmpty && line.content.utf8.count <= maxSignatureLineLength
                && senderWords.contains { LineScanner.containsWord(line.lower, $0) }
            if isDelimiter(line.content) || dashName || namesSender
                || (rules.contains(.closings) && isClosing(line.lower)) {
                start = index
                startIsMobileOnly = false
                continue
            }
            if line.content.utf8.count > maxSignatureLineLength
                && line.content.count > maxSignatureLineLength && !isURLOrContact(line.lower) { break }
            if line.content.has("?") && !isURLOrContact(line.lower) { break }
        }
        // A "-- " delimiter higher up (RFC 3676) starts the signature even when the block below it is long,
        // as long as no question follows it.
        if let delimiter = raw.indices.last(where: { $0 > firstContent && LineScanner.trim(raw[$0]) == "--" }),
           delimiter < (start ?? raw.count),
           !raw[(delimiter + 1)...].contains(where: { $0.contains("?") && !isURLOrContact($0.lowercased()) }) {
            start = delimiter
            startIsMobileOnly = false
        }
        // A mobile line higher up, with more text below it, ends the writer's part too.
        var k = firstContent + 1
        while k < (start ?? raw.count) {
            let t = LineScanner.trim(raw[k])
            if let first = t.utf8.first, Self.mobileFirstBytes.contains(first | 0x20), t.utf8.count <= 120,
               isMobileLine(LineScanner.lowercased(t)) {
                start = k
                startIsMobileOnly = false
                break
            }
            k += 1
        }
        guard let s = start else { return SignatureSplit(body: text, signature: "", kind: .signature) }
        var bodyLines = Array(raw[..<s])
        while let last = bodyLines.last, LineScanner.trim(last).isEmpty { bodyLines.removeLast() }
        let signature = raw[s...].joined(separator: "\n")
        return SignatureSplit(body: bodyLines.joined(separator: "\n"), signature: signature,
                              kind: startIsMobileOnly ? .mobileFooter : .signature)
    }

    /// Lowercased name words of a sender: "Jane Doe <jane.doe@x.com>" → jane, doe; "bob@foo.bar" → bob.
    static func nameWords(_ sender: String) -> [String] {
        let lower = sender.lowercased()
        let name: Substring
        if let lt = lower.firstIndex(of: "<") {
            name = lower[..<lt]
        } else if let at = lower.firstIndex(of: "@") {
            name = lower[..<at]
        } else {
            name = lower[...]
        }
        return name.split(whereSeparator: { !$0.isLetter }).map(String.init).filter { $0.count >= 3 }
    }

    /// First letters (lowercased) of the mobile prefixes, a cheap filter before ``isMobileLine(_:)``.
    static let mobileFirstBytes: Set<UInt8> = Set(Closings.mobilePrefixes.compactMap { $0.utf8.first } + [0x76])

    /// `--`, `-- `, `---`, `__`, or a longer rule of dashes/underscores.
    static func isDelimiter(_ content: Substring) -> Bool {
        content.count >= 2 && content.allSatisfy { $0 == "-" || $0 == "_" || $0 == "—" || $0 == "–" || $0 == "=" }
    }

    /// "-Abhishek Kona", "- roman", "-Lev.": a dash and a short name.
    static func isDashName(_ content: Substring) -> Bool {
        guard content.first == "-" || content.first == "–" || content.first == "/" else { return false }
        let rest = LineScanner.trim(content.dropFirst())
        guard let first = rest.first, first.isLetter, first != "-" else { return false }
        return rest.count <= 30 && rest.split(separator: " ").count <= 3 && !rest.has(":")
    }

    /// A closing phrase standing alone on its line ("Best regards,", "Viele Grüße", "Thanks!").
    static func isClosing(_ lower: String) -> Bool {
        var s = Substring(lower)
        while let c = s.last, c == "," || c == "." || c == "!" || c == " " || c == ";" || c == ":" { s = s.dropLast() }
        guard !s.isEmpty, s.count <= 40 else { return false }
        return Closings.phrases.contains(String(s))
    }

    /// "Sent from my iPhone", "Von meinem iPhone gesendet", "Envoyé de mon iPad", "Get Outlook for iOS".
    static func isMobileLine(_ lower: String) -> Bool {
        guard let first = lower.utf8.first, mobileFirstBytes.contains(first) || first == UInt8(ascii: "v"),
              lower.utf8.count <= 240, !lower.has(", "),
              lower.utf8.lazy.filter({ $0 == 0x20 }).count <= 9 else { return false }
        if Closings.mobilePrefixes.contains(where: { lower.hasPrefix($0) }) { return true }
        if (lower.hasPrefix("von meinem ") || lower.hasPrefix("vom ")) && lower.has("gesendet") { return true }
        return lower == "via mobile"
    }

    /// A URL, e-mail address or phone line (allowed to be long or to contain "?").
    static func isURLOrContact(_ lower: String) -> Bool {
        lower.has("http://") || lower.has("https://") || lower.has("www.") || lower.has("@")
    }
}
