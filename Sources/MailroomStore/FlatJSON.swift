// FlatJSON: writes the store's small JSON columns (flat label maps) without JSONEncoder's overhead.

/// Writes `{"key": value}` objects with sorted keys: standard JSON that any decoder reads back to the
/// same values, several times faster than `JSONEncoder` (whose cost was most of a record's).
enum FlatJSON {
    /// `{"head": "label"}`.
    static func object(_ labels: [String: String]) -> String {
        var out = "{"
        for (i, key) in labels.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            appendString(key, to: &out)
            out += ":"
            appendString(labels[key]!, to: &out)
        }
        return out + "}"
    }

    /// `{"head": {"confidence": 0.93, "label": "…"}}`. Confidences must be finite.
    static func heads(_ heads: [String: (label: String, confidence: Double)]) -> String {
        var out = "{"
        for (i, key) in heads.keys.sorted().enumerated() {
            let head = heads[key]!
            precondition(head.confidence.isFinite, "FlatJSON: confidence \(head.confidence) is not finite; this is a bug")
            if i > 0 { out += "," }
            appendString(key, to: &out)
            out += #":{"confidence":"#
            out += head.confidence.description
            out += #","label":"#
            appendString(head.label, to: &out)
            out += "}"
        }
        return out + "}"
    }

    /// Appends `s` as a JSON string literal: quotes, backslashes and control characters escaped; other
    /// characters (all of Unicode) are written as they are, which JSON allows.
    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        defer { out += "\"" }
        func needsEscape(_ b: UInt8) -> Bool { b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") }
        guard s.utf8.contains(where: needsEscape) else {
            out += s  // the common case: labels and ids are plain
            return
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count + 8)
        for b in s.utf8 {
            guard needsEscape(b) else { bytes.append(b); continue }
            bytes.append(UInt8(ascii: "\\"))
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        out += String(decoding: bytes, as: UTF8.self)
    }
}
