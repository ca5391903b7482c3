// Clean-up before any parsing: quoted-printable leftovers, line endings, NFC, invisible controls, odd spaces, size cap.
import Foundation

/// Normalises text so the line scanners see one canonical form.
///
/// - CRLF, CR, NEL, U+2028 and U+2029 become `\n`.
/// - Zero-width characters (U+200B, U+200C, U+2060, U+FEFF, soft hyphen) and bidi controls
///   (U+200E/F, U+202A–E, U+2066–9, U+061C) are dropped; U+200D is kept only inside emoji sequences.
/// - Non-breaking and other fixed-width spaces become a plain space; other C0/C1 controls except tab go.
/// - The result is NFC.
/// - A body left in quoted-printable encoding (soft breaks "=" + newline, "=E2=80=AF" escapes) is decoded first.
public enum TextNormalizer {
    /// Normalises `input` (see the type's description).
    public static func normalize(_ input: String) -> String {
        // Decoded once (not repeatedly), so the work stays linear.
        let text = decodeQuotedPrintable(input) ?? input
        if isAlreadyNormal(text) { return text }
        var copy = text
        var mayNeedNFC = false
        // Works on the UTF-8 bytes (Swift strings are valid UTF-8): scalars are decoded only to be classified.
        let bytes: [UInt8] = copy.withUTF8 { b in
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            var previous: UInt32 = 0x0A
            var pendingCR = false
            var i = 0
            while i < b.count {
                let lead = b[i]
                let length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                var v = UInt32(lead)
                if length > 1 {
                    v = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                    for k in 1..<length where i + k < b.count { v = (v << 6) | UInt32(b[i + k] & 0x3F) }
                }
                let start = i
                let end = min(b.count, i + length)
                i = end
                if v >= 0x0300 && !mayNeedNFC { mayNeedNFC = mayChangeUnderNFC(v) }
                if pendingCR {
                    pendingCR = false
                    if v == 0x0A { continue }
                }
                switch v {
                case 0x0D:
                    out.append(0x0A); pendingCR = true; previous = 0x0A; continue
                case 0x0A, 0x85, 0x2028, 0x2029:
                    out.append(0x0A); previous = 0x0A; continue
                case 0x09:
                    out.append(0x09)
                case 0x200B, 0x200C, 0x2060, 0xFEFF, 0x00AD, 0x200E, 0x200F, 0x061C,
                     0x202A...0x202E, 0x2066...0x2069:
                    continue
                case 0x200D:
                    // Kept only inside emoji sequences (after a non-ASCII emoji).
                    if previous > 0x7F, let p = Unicode.Scalar(previous), p.properties.isEmoji {
                        out.append(contentsOf: b[start..<end])
                    }
                    continue
                case 0x00A0, 0x2007, 0x202F, 0x2000...0x200A, 0x205F, 0x3000:
                    out.append(0x20); previous = 0x20; continue
                case 0x00...0x1F, 0x7F...0x9F:
                    continue
                default:
                    out.append(contentsOf: b[start..<end])
                }
                previous = v
            }
            return out
        }
        let joined = String(decoding: bytes, as: UTF8.self)
        // NFC is only needed when combining marks, jamo or singleton-decomposing characters are present.
        return mayNeedNFC ? joined.precomposedStringWithCanonicalMapping : joined
    }

    /// Decodes a body still in quoted-printable transfer encoding ("w=\nrote:", "12:53=E2=80=AFAM"), or nil.
    ///
    /// The text counts as quoted-printable only when every "=" in it starts a soft line break or an escape of two
    /// uppercase hex digits (QP writes a literal "=" as "=3D"), and it has at least one of each.
    static func decodeQuotedPrintable(_ text: String) -> String? {
        var copy = text
        return copy.withUTF8 { b -> String? in
            guard let base = b.baseAddress, memchr(base, 0x3D, b.count) != nil else { return nil }
            func isHex(_ x: UInt8) -> Bool { (x >= 0x30 && x <= 0x39) || (x >= 0x41 && x <= 0x46) }
            func hexValue(_ x: UInt8) -> UInt8 { x <= 0x39 ? x - 0x30 : x - 0x41 + 10 }
            // First pass: is every "=" a soft break or an escape?
            var soft = 0
            var escapes = 0
            var i = 0
            while i < b.count {
                if b[i] != 0x3D { i += 1; continue }
                if i + 1 < b.count && b[i + 1] == 0x0A { soft += 1; i += 2; continue }
                if i + 2 < b.count && b[i + 1] == 0x0D && b[i + 2] == 0x0A { soft += 1; i += 3; continue }
                guard i + 2 < b.count, isHex(b[i + 1]), isHex(b[i + 2]) else { return nil }
                escapes += 1
                i += 3
            }
            guard soft >= 1 && escapes >= 1 else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            i = 0
            while i < b.count {
                guard b[i] == 0x3D else { out.append(b[i]); i += 1; continue }
                if b[i + 1] == 0x0A { i += 2; continue }
                if b[i + 1] == 0x0D { i += 3; continue }
                out.append(hexValue(b[i + 1]) << 4 | hexValue(b[i + 2]))
                i += 3
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Fast path: text made only of printable ASCII, LF, tab, and scripts whose characters never change here
    /// (Latin-1 and Latin Extended letters, Cyrillic, CJK, Hangul syllables, emoji) needs no work.
    static func isAlreadyNormal(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { b in
            var i = 0
            while i < b.count {
                switch b[i] {
                case 0x20...0x7E, 0x0A, 0x09, 0x80...0xBF, 0xC3...0xCB, 0xD0, 0xD1, 0xD3, 0xD4, 0xD5, 0xE4...0xED:
                    i += 1
                case 0xF0 where i + 1 < b.count && b[i + 1] == 0x9F:
                    i += 2
                default:
                    return false
                }
            }
            return true
        }
    }

    /// Whether a scalar can change under NFC: combining marks (incl. Indic/Hebrew/Arabic), Hangul jamo,
    /// Greek extended, the Ohm/Kelvin/Angstrom signs and CJK compatibility ideographs.
    static func mayChangeUnderNFC(_ v: UInt32) -> Bool {
        switch v {
        case 0x0300...0x036F, 0x0374, 0x037E, 0x0387, 0x0483...0x0489, 0x0591...0x05C7, 0x0610...0x061A,
             0x064B...0x065F, 0x0670, 0x06D6...0x06ED, 0x0900...0x0DFF, 0x0F00...0x0FFF, 0x1100...0x11FF,
             0x1AB0...0x1AFF, 0x1B00...0x1B7F, 0x1DC0...0x1DFF, 0x1F00...0x1FFF, 0x2000...0x2001, 0x20D0...0x20FF,
             0x2126, 0x212A, 0x212B, 0x2329, 0x232A, 0x2ADC, 0x3099, 0x309A, 0xF900...0xFAFF, 0xFB1D...0xFB4E,
             0xFE20...0xFE2F, 0x1D15E...0x1D1C0, 0x2F800...0x2FA1D, 0x11000...0x111FF:
            return true
        default:
            return false
        }
    }

    /// Cuts `text` to at most `maxBytes` UTF-8 bytes, at the last line break before the cap when there is one.
    ///
    /// - Returns: the head and whether anything was cut.
    public static func truncate(_ text: String, maxBytes: Int) -> (text: String, truncated: Bool) {
        let utf8 = text.utf8
        guard maxBytes >= 0, utf8.count > maxBytes else { return (text, false) }
        var end = utf8.index(utf8.startIndex, offsetBy: maxBytes)
        // Step back to a scalar boundary (never split a UTF-8 sequence).
        while end > utf8.startIndex && (utf8[end] & 0xC0) == 0x80 { end = utf8.index(before: end) }
        let head = utf8[utf8.startIndex..<end]
        if let newline = head.lastIndex(of: 0x0A), newline > utf8.startIndex {
            return (String(decoding: utf8[utf8.startIndex..<newline], as: UTF8.self), true)
        }
        return (String(decoding: head, as: UTF8.self), true)
    }

    /// The first `maxLines` lines of `text` (lines end at "\n"), and whether any were dropped.
    public static func truncate(_ text: String, maxLines: Int) -> (text: String, truncated: Bool) {
        guard maxLines > 0 else { return ("", !text.isEmpty) }
        let utf8 = text.utf8
        var seen = 0
        var index = utf8.startIndex
        while index < utf8.endIndex {
            if utf8[index] == 0x0A {
                seen += 1
                if seen >= maxLines {
                    return (String(text[text.startIndex..<index]), utf8.index(after: index) < utf8.endIndex)
                }
            }
            index = utf8.index(after: index)
        }
        return (text, false)
    }
}
