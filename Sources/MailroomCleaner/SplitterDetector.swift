// Finds where quoted or forwarded history starts: reply intros, "Original Message" rules, header blocks.

/// A line (or a few lines) that introduces quoted or forwarded history.
package struct Splitter: Sendable, Equatable {
    /// What introduces the history.
    package enum Kind: Sendable, Equatable {
        /// "On … wrote:", "Am … schrieb …:", "-----Original Message-----".
        case replyIntro
        /// "---------- Forwarded message ---------", "Begin forwarded message:", "Anfang der weitergeleiteten Nachricht:".
        case forwardMarker
        /// A bare From/Sent/To/Subject block (Outlook), reply or forward depending on context.
        case headerBlock
    }
    /// What kind of splitter it is.
    package var kind: Kind
    /// Index of its first line.
    package var start: Int
    /// Number of lines it spans (the header block included, when one follows).
    package var lineCount: Int
}

/// Recognises splitters at a given line of a scanned message.
package enum SplitterDetector {
    /// Longest reply intro, in lines ("On Tue, …\nJohn <john@x>\nwrote:").
    static let maxIntroLines = 6

    /// The splitter starting at line `i`, or nil.
    package static func splitter(in lines: [ScannedLine], at i: Int) -> Splitter? {
        let line = lines[i]
        if line.isBlank { return nil }
        if let words = LineScanner.dashedSeparatorWords(line.content) {
            let lower = words.lowercased()
            let known = HeaderVocabulary.isForwardText(lower)
                || HeaderVocabulary.originalWords.contains { lower.has($0) }
            let block = headerBlockLength(lines, from: i + 1, skipBlank: 1)
            let wrote = VerbFinder.firstVerb(in: lower) != nil
            if !known && !wrote && block == 0 && !lower.has("message") && !lower.has("nachricht") { return nil }
            let kind: Splitter.Kind = HeaderVocabulary.isForwardText(lower)
                && !lower.has("original") ? .forwardMarker : .replyIntro
            return Splitter(kind: kind, start: i, lineCount: 1 + headerBlockLength(lines, from: i + 1, skipBlank: 1))
        }
        if LineScanner.isRule(line.content) {
            var j = i + 1
            if j < lines.count, lines[j].isBlank { j += 1 }
            let block = headerBlockLength(lines, from: j, skipBlank: 0)
            if block >= 2 { return Splitter(kind: .headerBlock, start: i, lineCount: j - i + block) }
            return nil
        }
        if let kind = line.headerKind {
            if kind == .from && (line.lower.has(" date:") || line.lower.has(" sent:")) {
                return Splitter(kind: .headerBlock, start: i, lineCount: 1)
            }
            // "From: Name <name@x.com>" alone above a blank line: a one-line quote header.
            if kind == .from, line.lower.has("@"), i + 1 < lines.count, lines[i + 1].isBlank,
               i == 0 || lines[i - 1].isBlank {
                return Splitter(kind: .headerBlock, start: i, lineCount: 1)
            }
            let block = headerBlockLength(lines, from: i, skipBlank: 0)
            if block >= 2 { return Splitter(kind: .headerBlock, start: i, lineCount: block) }
            return nil
        }
        // "Message du : 12/12/2016 13:20" directly above a header block.
        if line.hasHeaderKey, i + 1 < lines.count, lines[i + 1].headerKind == .from,
           LineScanner.hasDigitOrAt(line.lower) {
            let block = headerBlockLength(lines, from: i + 1, skipBlank: 0)
            if block >= 2 { return Splitter(kind: .headerBlock, start: i, lineCount: block + 1) }
        }
        if let count = introLineCount(lines, at: i) {
            return Splitter(kind: .replyIntro, start: i, lineCount: count)
        }
        if line.lower.hasSuffix(":") && line.content.utf8.count <= 160 {
            let isForwardWords = HeaderVocabulary.isForwardText(line.lower)
            var j = i + 1
            while j < lines.count && j <= i + 2 && lines[j].isBlank { j += 1 }
            let block = headerBlockLength(lines, from: j, skipBlank: 0)
            if block >= 2 { return Splitter(kind: .forwardMarker, start: i, lineCount: j - i + block) }
            if isForwardWords && line.lower.split(separator: " ").count <= 6 {
                return Splitter(kind: .forwardMarker, start: i, lineCount: 1)
            }
        }
        return nil
    }

    /// Number of lines of a From/Sent/To/Subject block starting at `start` (0 when there is none).
    ///
    /// The block needs a sender key plus at least one other key; wrapped values (continuation lines
    /// followed by another header line) belong to the block.
    static func headerBlockLength(_ lines: [ScannedLine], from start: Int, skipBlank: Int) -> Int {
        var i = start
        var skipped = 0
        while i < lines.count, lines[i].isBlank, skipped < skipBlank { i += 1; skipped += 1 }
        guard i < lines.count, lines[i].headerKind != nil else { return 0 }
        var headers = 0
        var hasFrom = false
        var hasDateOrSubject = false
        var end = i
        var j = i
        var pendingContinuation = 0
        while j < lines.count && j < i + 16 {
            let l = lines[j]
            if l.isBlank { break }
            if let kind = l.headerKind {
                headers += 1
                if kind == .from { hasFrom = true }
                if l.hasDateKey {
                    hasDateOrSubject = true
                }
                end = j + 1
                pendingContinuation = 0
            } else {
                pendingContinuation += 1
                if pendingContinuation > 2 { break }
            }
            j += 1
        }
        guard headers >= 2, hasFrom || hasDateOrSubject else { return 0 }
        return end - start
    }

    /// Lines of an "On … wrote:" intro starting at `i`, or nil.
    static func introLineCount(_ lines: [ScannedLine], at i: Int) -> Int? {
        let first = lines[i]
        guard first.content.utf8.count <= 900 else { return nil }
        // Cheap rejection: some line of the window must hold a "wrote" verb.
        if let c = first.lower.utf8.first, c >= 0x30 && c <= 0x39 || weekdayStart(first.lower),
           let count = dateEmailIntroLineCount(lines, at: i) {
            return count
        }
        var hasVerb = false
        for k in i..<min(lines.count, i + maxIntroLines) where lines[k].verb != nil { hasVerb = true; break }
        guard hasVerb else { return nil }
        let introLike = LineScanner.startsLikeIntro(first.lower)
        let canSpan = introLike || LineScanner.hasDigitOrAt(first.lower)
        var joined = ""
        var k = 0
        var j = i
        // The verb may sit on an earlier line than the colon ("Op … schreef Name <\nname@x.nl>:").
        var verbSeen: String? = nil
        while j < lines.count && k < maxIntroLines {
            let l = lines[j]
            if l.isBlank && !introLike { return nil }
            // A wrapped intro may put its verb on a quoted line ("> wrote:"), but nothing else quoted joins it.
            if j > i && l.quoteDepth > first.quoteDepth && !(l.verb != nil && l.lower.hasPrefix(l.verb ?? "")) {
                return nil
            }
            if !joined.isEmpty { joined += " " }
            joined += l.lower
            k += 1
            if joined.utf8.count > 400 && joined.count > 400 { return nil }
            if let v = l.verb { verbSeen = v }
            if let verb = verbSeen, isIntro(joined, verb: verb, introLike: introLike) { return k }
            if !canSpan { return nil }
            if j > i && l.headerKind != nil { return nil }
            j += 1
        }
        return nil
    }

    /// "2014-10-17 11:28 GMT+03:00 Bob <bob@x.com>:", "26.06.2014, 14:41, \"Bob\" <bob@x.com>:" (no verb):
    /// a line starting with a date, naming an address, ending in ":" or ">", followed by quoted lines.
    static func dateEmailIntroLineCount(_ lines: [ScannedLine], at i: Int) -> Int? {
        let first = lines[i]
        guard let c = first.lower.unicodeScalars.first, (c >= "0" && c <= "9") || weekdayStart(first.lower) else {
            return nil
        }
        // The date sits on the first line.
        guard first.lower.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var joined = first.lower
        var k = 1
        while true {
            let t = joined.trimmingTrailing()
            if joined.has("@") && (t.hasSuffix(":") || t.hasSuffix(">")) {
                var j = i + k
                while j < lines.count && lines[j].isBlank && lines[j].quoteDepth == 0 { j += 1 }
                if j < lines.count && lines[j].quoteDepth > first.quoteDepth { return k }
                return t.hasSuffix(":") ? k : nil
            }
            guard k < 2, i + k < lines.count, !lines[i + k].isBlank, lines[i + k].quoteDepth == first.quoteDepth else {
                return nil
            }
            joined += " " + lines[i + k].lower
            k += 1
        }
    }

    /// A first comma-separated token short enough to be a weekday ("Wed", "Wednesday", "Mi.", "ср").
    static func weekdayStart(_ lower: String) -> Bool {
        // Bytes before the first comma (at most 24 UTF-8 bytes: 12 letters of two bytes each).
        var n = 0
        for b in lower.utf8 {
            if b == UInt8(ascii: ",") { break }
            n += 1
            if n > 24 { return false }
        }
        guard n > 0, n < lower.utf8.count else { return false }
        let token = lower.utf8.prefix(n)
        var ascii = true
        for b in token {
            if b >= 0x80 { ascii = false; continue }
            guard b == UInt8(ascii: ".") || (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A else { return false }
        }
        // ASCII letters and dots pass as they are; other scripts need the Unicode letter check.
        return ascii || String(decoding: token, as: UTF8.self).allSatisfy { $0.isLetter || $0 == "." }
    }

    /// Whether the joined lowercased intro text reads like "On <date>, <person> wrote:".
    static func isIntro(_ joined: String, verb: String, introLike: Bool) -> Bool {
        guard introLike || LineScanner.hasDigitOrAt(joined) else { return false }
        let trimmed = joined.trimmingTrailing()
        if trimmed.hasSuffix(":") || trimmed.hasSuffix("：") { return true }
        // "Am 28.10.2021 schrieb Max <max@x.de>" (no colon): accept when the verb is followed by a short tail.
        guard let offset = trimmed.utf8Offset(of: verb) else { return false }
        let tail = trimmed.utf8.dropFirst(offset + verb.utf8.count)
        return tail.isEmpty || (tail.count <= 120 && tail.contains(UInt8(ascii: "@")))
    }
}

extension String {
    /// The string without trailing spaces and tabs.
    func trimmingTrailing() -> Substring {
        var s = self[...]
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return s
    }
}
