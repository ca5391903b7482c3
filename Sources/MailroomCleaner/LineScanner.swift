// Line-level recognisers: quote depth, header lines, "wrote" intros, separator lines. No regular expressions.

/// One line of a message with its quote prefix removed, prepared for the recognisers.
package struct ScannedLine: Sendable {
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
    package init(_ raw: Substring, full: Bool = true) {
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
            let info = HeaderVocabulary.keyInfo[String(key)]
            hasHeaderKey = true
            headerKind = info?.kind
            hasDateKey = info?.isDate ?? false
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
package enum VerbFinder {
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

    /// Per byte: bit 0 set for word bytes (``isWordByte(_:)``), bit 1 when a verb starts with it.
    static let byteClass: [UInt8] = (0..<256).map { b in
        (isWordByte(UInt8(b)) ? 1 : 0) | (startsAny[b] ? 2 : 0)
    }

    /// The first verb (in line order) that stands as a word in the lowercased line.
    package static func firstVerb(in lower: String) -> String? {
        let table = byFirstByte
        var copy = lower
        return byteClass.withUnsafeBufferPointer { classes in copy.withUTF8 { b -> String? in
            let n = b.count
            var previousIsWord = false
            for i in 0..<n {
                let x = b[i]
                let cls = classes[Int(x)]
                // Only word starts (or CJK lead bytes) can begin a verb.
                if cls & 2 != 0 && (!previousIsWord || x >= 0xE0) {
                    for c in table[Int(x)] where i + c.bytes.count <= n {
                        var k = 1
                        while k < c.bytes.count && b[i + k] == c.bytes[k] { k += 1 }
                        guard k == c.bytes.count else { continue }
                        let end = i + k
                        if c.cjk || end >= n || !isWordByte(b[end]) { return c.verb }
                    }
                }
                previousIsWord = cls & 1 != 0
            }
            return nil
        } }
    }

    /// ASCII letters and non-ASCII bytes count as word bytes.
    static func isWordByte(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A || b >= 0x80 }
}

/// Stateless recognisers used by the reply, forward and signature scanners.
package enum LineScanner {
    /// Splits text into lines at `\n` (the text is already normalised).
    package static func lines(_ text: String) -> [Substring] {
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

    /// The text of consecutive lines as ``lines(_:)`` cut them from one string (joined by "\n"), taken as one
    /// slice of that string instead of being joined line by line.
    package static func span(_ lines: ArraySlice<Substring>) -> String {
        guard let first = lines.first, let last = lines.last else { return "" }
        return String(first.base[first.startIndex..<last.endIndex])
    }

    /// Lowercases text byte-wise when it holds only ASCII, Latin-1 letters (À–Þ) and caseless scripts or symbols
    /// (general punctuation, currency, CJK, Hangul, emoji), and with the Unicode rules otherwise.
    package static func lowercased(_ s: Substring) -> String {
        // 0: nothing to change, 1: byte-wise lowering suffices, 2: needs the Unicode rules.
        let kind: Int = s.utf8.withContiguousStorageIfAvailable { b -> Int in
            var k = 0
            var i = 0
            let n = b.count
            while i < n {
                let x = b[i]
                if x < 0x80 {
                    if x >= 0x41 && x <= 0x5A { k = 1 }
                    i += 1
                    continue
                }
                switch x {
                case 0x80...0xBF, 0xC2, 0xE3...0xE9, 0xEB...0xED:
                    i += 1
                case 0xC3:
                    if i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0x9E && b[i + 1] != 0x97 { k = 1 }
                    i += 2
                case 0xE2:
                    guard i + 1 < n, b[i + 1] == 0x80 || b[i + 1] == 0x82 else { return 2 }
                    i += 1
                case 0xF0:
                    guard i + 1 < n, b[i + 1] == 0x9F else { return 2 }
                    i += 1
                default:
                    return 2
                }
            }
            return k
        } ?? 2
        if kind == 0 { return String(s) }
        if kind == 2 { return s.lowercased() }
        let count = s.utf8.count
        return String(unsafeUninitializedCapacity: count) { buffer in
            _ = s.utf8.withContiguousStorageIfAvailable { b in
                var i = 0
                while i < count {
                    let x = b[i]
                    if x >= 0x41 && x <= 0x5A {
                        buffer[i] = x | 0x20
                    } else if x == 0xC3 && i + 1 < count && b[i + 1] >= 0x80 && b[i + 1] <= 0x9E && b[i + 1] != 0x97 {
                        buffer[i] = x
                        buffer[i + 1] = b[i + 1] + 0x20
                        i += 2
                        continue
                    } else {
                        buffer[i] = x
                    }
                    i += 1
                }
            }
            return count
        }
    }

    /// Trims spaces and tabs at both ends.
    package static func trim(_ s: Substring) -> Substring {
        let utf8 = s.utf8
        // Fast path: nothing to trim.
        guard let f = utf8.first, let l = utf8.last else { return s }
        if f != 0x20 && f != 0x09 && l != 0x20 && l != 0x09 { return s }
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
    package static func headerKey(_ lower: String) -> Substring? {
        // Keys are short: look for ":" or the full-width "：" (EF BC 9A) in the first 80 bytes only.
        var copy = lower
        let found: (start: Int, end: Int)? = copy.withUTF8 { b in
            var start = 0
            while start < b.count && (b[start] == 0x2A || b[start] == 0x5F) { start += 1 }
            var i = start
            var colon = -1
            while i < b.count && i < start + 80 {
                if b[i] == 0x3A || (b[i] == 0xEF && i + 2 < b.count && b[i + 1] == 0xBC && b[i + 2] == 0x9A) {
                    colon = i
                    break
                }
                i += 1
            }
            guard colon >= 0 else { return nil }
            // Drop "*" (bold), spaces and tabs before the colon; at most 48 bytes and 4 words.
            var end = colon
            while end > start && (b[end - 1] == 0x2A || b[end - 1] == 0x20 || b[end - 1] == 0x09) { end -= 1 }
            guard end > start, end - start <= 48 else { return nil }
            var spaces = 0
            for k in start..<end where b[k] == 0x20 { spaces += 1 }
            return spaces <= 3 ? (start, end) : nil
        }
        guard let found else { return nil }
        let utf8 = lower.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: found.start)
        return lower[start..<utf8.index(start, offsetBy: found.end - found.start)]
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
        // Cheap byte check first: it must open with two dash-like characters ("-", "=", "_", "—" = E2 80 94).
        let u = content.utf8
        guard let b = u.first, b == 0x2D || b == 0x3D || b == 0x5F || b == 0xE2 else { return nil }
        var head = u.makeIterator()
        let b0 = head.next() ?? 0
        let b1 = head.next() ?? 0
        let b2 = head.next() ?? 0
        if b0 == 0xE2 {
            guard b1 == 0x80 && b2 == 0x94 else { return nil }
        } else {
            guard b1 == 0x2D || b1 == 0x3D || b1 == 0x5F || b1 == 0xE2 else { return nil }
        }
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
    package static func isRule(_ content: Substring) -> Bool {
        guard let b = content.utf8.first, b == 0x5F || b == 0x2D || b == 0x3D || b == 0xE2,
              content.utf8.count >= 8 else { return false }
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
        introPrefixBytes.contains { p in lower.utf8.count >= p.count && lower.utf8.prefix(p.count).elementsEqual(p) }
    }

    /// ``introPrefixes`` as bytes.
    static let introPrefixBytes: [[UInt8]] = introPrefixes.map { Array($0.utf8) }
}
