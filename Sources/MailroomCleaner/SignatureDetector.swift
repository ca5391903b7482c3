// Finds the signature at the bottom of a message: "-- " delimiters, closings with a name block, "Sent from my …".

/// The result of ``SignatureDetector/split(_:)``.
public struct SignatureSplit: Sendable, Equatable {
    /// The message without its signature.
    public var body: String
    /// The signature (empty when none was found).
    public var signature: String
    /// `.signature`, or `.mobileFooter` when the signature is only a "Sent from my …" line.
    public var kind: RemovedKind
    /// Index of the signature's first line among the text's lines (nil when there is none).
    public var startLine: Int? = nil

    package init(body: String, signature: String, kind: RemovedKind, startLine: Int? = nil) {
        self.body = body
        self.signature = signature
        self.kind = kind
        self.startLine = startLine
    }
}

/// Which signature starts ``SignatureDetector`` accepts (peers differ; the cleaner uses ``all``).
public struct SignatureRules: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// "-Name" / "/Name" lines (github, zapier, willdurand, talon).
    public static let dashNames = SignatureRules(rawValue: 1)
    /// Closings alone on a line followed by a short block ("Best regards,", "Viele Grüße", "Thanks!").
    public static let closings = SignatureRules(rawValue: 2)
    /// Sign-offs only, not thanks: "… regards", "Cheers", "Best wishes", "… cordialement", "Bien à vous"
    /// (crisp's signature list).
    public static let signOffs = SignatureRules(rawValue: 4)
    /// Delimiters and mobile lines only.
    public static let delimitersOnly: SignatureRules = []
    /// Everything: delimiters, mobile lines, dash names and closings.
    public static let all: SignatureRules = [.dashNames, .closings]
}

/// Detects signatures by scanning the last lines of a message from the bottom up.
///
/// A signature starts at a delimiter (`--`, `__`, a rule of dashes), a "-Name" line, a closing
/// ("Best regards", "Mit freundlichen Grüßen", "Thanks!") standing alone on its line, or a mobile
/// "sent from" line. Only short lines may follow it, never a question or more than two lines of prose
/// below a name or closing, and it never starts on the first line of the message (a message that is only
/// a signature is kept).
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
        guard let (s, mobileOnly) = signatureStart(in: raw, rules: rules, sender: sender) else {
            return SignatureSplit(body: text, signature: "", kind: .signature)
        }
        var bodyEnd = s
        while bodyEnd > 0, LineScanner.trim(raw[bodyEnd - 1]).isEmpty { bodyEnd -= 1 }
        let signature = LineScanner.span(raw[s...])
        return SignatureSplit(body: LineScanner.span(raw[..<bodyEnd]), signature: signature,
                              kind: mobileOnly ? .mobileFooter : .signature, startLine: s)
    }

    /// The index of the signature's first line in `raw`, and whether the signature is only a mobile line.
    static func signatureStart(in raw: [Substring], rules: SignatureRules = .all,
                               sender: String? = nil) -> (line: Int, mobileOnly: Bool)? {
        let senderWords = sender.map(nameWords) ?? []
        // Only the bottom lines are scanned, so lines are prepared on demand.
        func blank(_ k: Int) -> Bool { raw[k].utf8.allSatisfy { $0 == 0x3E || $0 == 0x20 || $0 == 0x09 } }
        guard let firstContent = raw.indices.first(where: { !blank($0) }) else { return nil }
        var start: Int?
        var startIsMobileOnly = false
        var startNamesSender = false
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
            // The writer's name on the line right above a line naming the sender's company belongs to that block.
            if startNamesSender && start == index + 1 && isPersonName(line.content) {
                start = index
                continue
            }
            let soft = dashName || namesSender || (rules.contains(.closings) && isClosing(line.lower))
                || (rules.contains(.signOffs) && isSignOff(line.lower))
            // More than two lines of prose below a name or closing: it is text, not a signature.
            if isDelimiter(line.content) || (soft && proseLineCount(raw[(index + 1)...]) <= 2) {
                start = index
                startIsMobileOnly = false
                startNamesSender = namesSender && !isDelimiter(line.content)
                continue
            }
            if line.content.utf8.count > maxSignatureLineLength
                && line.content.count > maxSignatureLineLength && !isURLOrContact(line.lower) { break }
            if line.content.has("?") && !isURLOrContact(line.lower) { break }
        }
        // A "-- " delimiter higher up (RFC 3676) starts the signature even when the block below it is long,
        // as long as no question follows it.
        if let delimiter = raw.indices.last(where: { $0 > firstContent && isDoubleDash(raw[$0]) }),
           delimiter < (start ?? raw.count),
           !raw[(delimiter + 1)...].contains(where: { $0.contains("?") && !isURLOrContact($0.lowercased()) }) {
            start = delimiter
            startIsMobileOnly = false
        }
        // A mobile line higher up, with more text below it, ends the writer's part too.
        var k = firstContent + 1
        while k < (start ?? raw.count) {
            let t = LineScanner.trim(raw[k])
            if let first = t.utf8.first, Self.mobileFirstByte[Int(first | 0x20)], t.utf8.count <= 120,
               isMobileLine(t, lowered: false) {
                start = k
                startIsMobileOnly = false
                break
            }
            k += 1
        }
        return start.map { ($0, startIsMobileOnly) }
    }

    /// A personal name alone on a line: two to four capitalised words of letters ("John Smith", "Anna-Lena
    /// von Berg" is not: every word must be capitalised).
    static func isPersonName(_ content: Substring) -> Bool {
        let words = content.split(separator: " ")
        guard (2...4).contains(words.count), content.count <= 40 else { return false }
        return words.allSatisfy { w in
            guard let f = w.first, f.isUppercase else { return false }
            return w.allSatisfy { $0.isLetter || $0 == "-" || $0 == "." || $0 == "'" }
        }
    }

    /// Lines that read as prose: at least three words, most of them starting in lowercase.
    static func proseLineCount(_ lines: ArraySlice<Substring>) -> Int {
        var count = 0
        for line in lines.prefix(maxSignatureLines) {
            let words = line.split(separator: " ")
            guard words.count >= 3 else { continue }
            let lower = words.filter { $0.first?.isLowercase == true }.count
            if lower * 2 > words.count { count += 1 }
        }
        return count
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
    /// ``mobileFirstBytes`` as a lookup table indexed by byte.
    static let mobileFirstByte: [Bool] = (0..<256).map { mobileFirstBytes.contains(UInt8($0)) }

    /// Whether a line is exactly `--` apart from surrounding spaces and tabs (the RFC 3676 delimiter).
    static func isDoubleDash(_ line: Substring) -> Bool {
        let t = LineScanner.trim(line).utf8
        return t.count == 2 && t.first == 0x2D && t.last == 0x2D
    }

    /// `--`, `-- `, `---`, `__`, or a longer rule of dashes/underscores.
    static func isDelimiter(_ content: Substring) -> Bool {
        // Bytes: "-", "_", "=" or the dashes "—" (E2 80 94) and "–" (E2 80 93); at least two of them.
        var count = 0
        var it = content.utf8.makeIterator()
        while let b = it.next() {
            if b == 0x2D || b == 0x5F || b == 0x3D {
                count += 1
            } else if b == 0xE2, it.next() == 0x80, let c = it.next(), c == 0x94 || c == 0x93 {
                count += 1
            } else {
                return false
            }
        }
        return count >= 2
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
        guard lower.utf8.count <= 60 else { return false }
        while let c = s.last, c == "," || c == "." || c == "!" || c == " " || c == ";" || c == ":" { s = s.dropLast() }
        guard !s.isEmpty, s.count <= 40 else { return false }
        return Closings.phrases.contains(String(s))
    }

    /// A sign-off alone on its line: up to two short words and "regards" ("Best regards", "Thanks and regards"),
    /// "Cheers", "Best wishes", "Bien à vous", "… cordialement", "Bonne journée".
    static func isSignOff(_ lower: String) -> Bool {
        var s = Substring(lower)
        while let c = s.last, c == "," || c == "!" || c == "！" || c == " " { s = s.dropLast() }
        guard !s.isEmpty, s.utf8.count <= 40 else { return false }
        if ["cheers", "best wishes", "bien à vous", "bonne journée", "bonne soirée"].contains(String(s)) { return true }
        for word in ["regards", "cordialement"] where s.hasSuffix(word) {
            let head = s.dropLast(word.count)
            if head.isEmpty || (head.last == " " && head.split(separator: " ").count <= 3) { return true }
        }
        return false
    }

    /// "Sent from my iPhone", "Von meinem iPhone gesendet", "Envoyé de mon iPad", "Get Outlook for iOS".
    static func isMobileLine(_ lower: String) -> Bool {
        isMobileLine(lower[...], lowered: true)
    }

    /// ``isMobileLine(_:)`` on a line that need not be lowercased: ASCII letters are compared case-insensitively
    /// on the bytes, and a line starting with a non-ASCII letter is lowercased first.
    static func isMobileLine(_ line: Substring, lowered: Bool) -> Bool {
        let bytes = line.utf8
        guard let first = bytes.first else { return false }
        if first >= 0x80 && !lowered { return isMobileLine(LineScanner.lowercased(line)) }
        let f = folded(first)
        guard mobileFirstByte[Int(f)], bytes.count <= 240 else { return false }
        var spaces = 0
        var previousIsComma = false
        for b in bytes {
            if b == 0x20 {
                spaces += 1
                if previousIsComma { return false }  // ", " reads as a sentence
            }
            previousIsComma = b == 0x2C
        }
        guard spaces <= 9 else { return false }
        func hasPrefix(_ p: [UInt8]) -> Bool {
            bytes.count >= p.count && zip(bytes, p).allSatisfy { folded($0) == $1 }
        }
        for p in mobilePrefixBytes[Int(f)] where hasPrefix(p) { return true }
        if hasPrefix(Array("von meinem ".utf8)) || hasPrefix(Array("vom ".utf8)) {
            let word = Array("gesendet".utf8)
            let folds = bytes.map(folded)
            return folds.count >= word.count && (0...(folds.count - word.count)).contains { k in
                folds[k..<(k + word.count)].elementsEqual(word)
            }
        }
        return bytes.count == 10 && hasPrefix(Array("via mobile".utf8))
    }

    /// ASCII uppercase folded to lowercase; other bytes unchanged.
    @inline(__always) static func folded(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// ``Closings/mobilePrefixes`` as bytes, grouped by first byte.
    static let mobilePrefixBytes: [[[UInt8]]] = {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for p in Closings.mobilePrefixes { let b = Array(p.utf8); table[Int(b[0])].append(b) }
        return table
    }()

    /// A URL, e-mail address or phone line (allowed to be long or to contain "?").
    static func isURLOrContact(_ lower: String) -> Bool {
        lower.has("http://") || lower.has("https://") || lower.has("www.") || lower.has("@")
    }
}
