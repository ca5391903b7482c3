// Line-level recognisers: quote depth, header lines, "wrote" intros, separator lines. No regular expressions.

/// One line of a message with its quote prefix removed, prepared for the recognisers.
struct ScannedLine: Sendable {
    /// The line as it was (no trailing newline).
    let raw: Substring
    /// Number of leading `>` quote marks.
    let quoteDepth: Int
    /// The line without quote marks and surrounding whitespace.
    let content: Substring
    /// `content` lowercased (at most the first 400 characters, which bounds all later scanning).
    let lower: String
    /// The first "wrote" verb the line contains as a word ("wrote", "schrieb", "a écrit", …), if any.
    let verb: String?
    /// Whether the line starts with a "Key:" of any header-like shape.
    let hasHeaderKey: Bool
    /// The kind of mail header key the line starts with ("From:" → .from, "Subject:" → .other), if any.
    let headerKind: LineScanner.HeaderKind?
    /// Whether that key names the send date ("Date:", "Gesendet:", …).
    let hasDateKey: Bool

    /// Prepares a line; `full: false` skips the verb and header-key analysis (for the signature scan).
    init(_ raw: Substring, full: Bool = true) {
        self.raw = raw
        var depth = 0
        let utf8 = raw.utf8
        var index = utf8.startIndex
        while index < utf8.endIndex {
            let c = utf8[index]
            if c == 0x3E { depth += 1 } else if c != 0x20 && c != 0x09 { break }
            index = utf8.index(after: index)
        }
        quoteDepth = depth
        let rest = depth > 0 ? raw[index...] : raw
        content = LineScanner.trim(rest)
        let lowered = content.utf8.count > 1200 ? String(content.prefix(400)).lowercased() : LineScanner.lowercased(content)
        lower = lowered
        verb = full ? VerbFinder.firstVerb(in: lowered) : nil
        if full, let key = LineScanner.headerKey(lowered) {
            let k = String(key)
            hasHeaderKey = true
            headerKind = HeaderVocabulary.fromKeys.contains(k) ? .from
                : HeaderVocabulary.otherKeys.contains(k) ? .other : nil
            hasDateKey = HeaderVocabulary.dateKeys.contains(k)
        } else {
            hasHeaderKey = false
            headerKind = nil
            hasDateKey = false
        }
    }

    /// True when the line holds nothing but whitespace (and quote marks).
    var isBlank: Bool { content.isEmpty }
}

/// Finds "wrote" verbs in one pass over a line's bytes (verbs indexed by their first byte).
enum VerbFinder {
    /// Verb bytes by first byte, longest first.
    static let byFirstByte: [[(bytes: [UInt8], verb: String, cjk: Bool)]] = {
        var table = [[(bytes: [UInt8], verb: String, cjk: Bool)]](repeating: [], count: 256)
        for verb in HeaderVocabulary.wroteVerbs {
            let bytes = Array(verb.utf8)
            let cjk = verb.unicodeScalars.first.map { $0.value > 0x2E80 } == true
            table[Int(bytes[0])].append((bytes, verb, cjk))
        }
        return table.map { $0.sorted { $0.bytes.count > $1.bytes.count } }
    }()

    /// Whether any verb starts with a given byte (checked before touching the candidate lists).
    static let startsAny: [Bool] = byFirstByte.map { !$0.isEmpty }

    /// The first verb (in line order) that stands as a word in the lowercased line.
    static func firstVerb(in lower: String) -> String? {
        let starts = startsAny
        let table = byFirstByte
        var copy = lower
        return copy.withUTF8 { b -> String? in
            let n = b.count
            var i = 0
            while i < n {
                if starts[Int(b[i])] {
                    let candidates = table[Int(b[i])]
                    let startsWord = i == 0 || !isWordByte(b[i - 1]) || b[i] >= 0xE0
                    if startsWord {
                        for c in candidates where i + c.bytes.count <= n {
                            var k = 1
                            while k < c.bytes.count && b[i + k] == c.bytes[k] { k += 1 }
                            guard k == c.bytes.count else { continue }
                            let end = i + k
                            if c.cjk || end >= n || !isWordByte(b[end]) { return c.verb }
                        }
                    }
                }
                i += 1
            }
            return nil
        }
    }

    /// ASCII letters and non-ASCII bytes count as word bytes.
    static func isWordByte(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x80 }
}

/// Stateless recognisers used by the reply, forward and signature scanners.
enum LineScanner {
    /// Splits text into lines at `\n` (the text is already normalised).
    static func lines(_ text: String) -> [Substring] {
        var copy = text
        // Offsets of the line breaks, found on the contiguous UTF-8 buffer.
        let breaks: [Int] = copy.withUTF8 { bytes in
            var found: [Int] = []
            for k in 0..<bytes.count where bytes[k] == 0x0A { found.append(k) }
            return found
        }
        var out: [Substring] = []
        out.reserveCapacity(breaks.count + 1)
        let utf8 = text.utf8
        var start = utf8.startIndex
        var previous = 0
        for offset in breaks {
            let end = utf8.index(start, offsetBy: offset - previous)
            out.append(text[start..<end])
            start = utf8.index(after: end)
            previous = offset + 1
        }
        out.append(text[start..<utf8.endIndex])
        return out
    }

    /// Lowercases ASCII text byte-wise (fast path) and anything else with the Unicode rules.
    static func lowercased(_ s: Substring) -> String {
        let ascii: (isASCII: Bool, hasUpper: Bool)? = s.utf8.withContiguousStorageIfAvailable { b in
            var upper = false
            for x in b {
                if x >= 0x80 { return (false, false) }
                if x >= 0x41 && x <= 0x5A { upper = true }
            }
            return (true, upper)
        }
        guard let ascii, ascii.isASCII else { return s.lowercased() }
        guard ascii.hasUpper else { return String(s) }
        let count = s.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            _ = s.utf8.withContiguousStorageIfAvailable { b in
                for k in 0..<count { buffer[k] = b[k] >= 0x41 && b[k] <= 0x5A ? b[k] | 0x20 : b[k] }
            }
            return count
        }
    }

    /// Trims spaces and tabs at both ends.
    static func trim(_ s: Substring) -> Substring {
        let utf8 = s.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        while end > start {
            let before = utf8.index(before: end)
            if utf8[before] == 0x20 || utf8[before] == 0x09 { end = before } else { break }
        }
        return s[start..<end]
    }

    /// The header key of a "Key: value" line, lowercased, or nil.
    ///
    /// Accepts `*From:*` (bold), `From :` (French spacing) and the full-width colon; keys are at most 4 words.
    static func headerKey(_ lower: String) -> Substring? {
        // Keys are short: look for ":" or the full-width "：" (EF BC 9A) in the first 80 bytes only.
        var copy = lower
        let found: (start: Int, colon: Int)? = copy.withUTF8 { b in
            var start = 0
            while start < b.count && (b[start] == 0x2A || b[start] == 0x5F) { start += 1 }
            var i = start
            while i < b.count && i < start + 80 {
                if b[i] == 0x3A { return (start, i) }
                if b[i] == 0xEF && i + 2 < b.count && b[i + 1] == 0xBC && b[i + 2] == 0x9A { return (start, i) }
                i += 1
            }
            return nil
        }
        guard let found else { return nil }
        let utf8 = lower.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: found.start)
        let colon = utf8.index(start, offsetBy: found.colon - found.start)
        var key = lower[start..<colon]
        while key.last == "*" || key.last == " " || key.last == "\t" { key = key.dropLast() }
        guard !key.isEmpty, key.utf8.count <= 48, key.utf8.lazy.filter({ $0 == 0x20 }).count <= 3 else {
            return nil
        }
        return key
    }

    /// What kind of header key a line starts with.
    enum HeaderKind { case from, other }

    /// Classifies a header line ("From: x" → .from, "Subject: y" → .other, anything else → nil).
    static func headerKind(_ lower: String) -> HeaderKind? {
        guard let key = headerKey(lower) else { return nil }
        let k = String(key)
        if HeaderVocabulary.fromKeys.contains(k) { return .from }
        if HeaderVocabulary.otherKeys.contains(k) { return .other }
        return nil
    }

    /// Whether `word` occurs in `text` not preceded or followed by a letter.
    static func containsWord(_ text: String, _ word: String) -> Bool {
        var from = 0
        guard let firstHit = text.utf8Offset(of: word) else { return false }
        from = firstHit
        let bytes = Array(text.utf8)
        let wordCount = word.utf8.count
        let cjk = word.unicodeScalars.first.map { $0.value > 0x2E80 } == true
        while let offset = text.utf8Offset(of: word, from: from) {
            let end = offset + wordCount
            let beforeOK = offset == 0 || !isWordByte(bytes[offset - 1])
            let afterOK = end >= bytes.count || cjk || !isWordByte(bytes[end])
            if beforeOK && afterOK { return true }
            from = offset + 1
        }
        return false
    }

    /// ASCII letters and every non-ASCII byte count as word bytes (letters of other scripts).
    private static func isWordByte(_ b: UInt8) -> Bool {
        (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x80
    }


    /// Whether the text contains an ASCII digit or an `@`.
    static func hasDigitOrAt(_ text: String) -> Bool {
        text.utf8.contains { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x40 }
    }

    /// A line of dashes around words: "-----Original Message-----", "---------- Forwarded message ---------",
    /// "----- Weitergeleitete Nachricht ----- Von: …". Returns the words between the dash runs.
    static func dashedSeparatorWords(_ content: Substring) -> Substring? {
        guard let b = content.utf8.first, b == 0x2D || b == 0x3D || b == 0x5F || b == 0xE2 else { return nil }
        var s = content
        var lead = 0
        while let c = s.first, c == "-" || c == "=" || c == "_" || c == "—" { lead += 1; s = s.dropFirst() }
        guard lead >= 2 else { return nil }
        guard let dashStart = s.firstIndex(where: { $0 == "-" || $0 == "=" || $0 == "—" }) else { return nil }
        let words = trim(s[..<dashStart])
        var tail = s[dashStart...]
        var trailing = 0
        while let c = tail.first, c == "-" || c == "=" || c == "—" { trailing += 1; tail = tail.dropFirst() }
        guard trailing >= 2, words.count >= 3, words.count <= 80, words.contains(where: { $0.isLetter }) else {
            return nil
        }
        return words
    }

    /// A line made only of underscores or dashes (at least 8), as Outlook puts above a header block.
    static func isRule(_ content: Substring) -> Bool {
        guard let c = content.first, c == "_" || c == "-" || c == "=" || c == "—" else { return false }
        return content.count >= 8 && content.allSatisfy { $0 == "_" || $0 == "-" || $0 == "=" || $0 == "—" }
    }

    /// Intro words that may open a reply header spread over several lines.
    static let introPrefixes: [String] = [
        "on ", "am ", "le ", "el ", "il ", "op ", "den ", "em ", "w dniu ", "dnia ", "dne ", "d. ", "в ", "у ",
        "在 ", "pe ", "dana ", "kello ", "el dia ", "a las ", "tarihinde ", "quoting ",
    ]

    /// Whether the lowercased line starts like a reply intro ("On …", "Am …", "Le …").
    static func startsLikeIntro(_ lower: String) -> Bool {
        introPrefixes.contains { lower.hasPrefix($0) }
    }
}
