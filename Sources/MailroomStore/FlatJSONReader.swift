// FlatJSONReader: reads the store's flat JSON columns back, several times faster than JSONSerialization.

/// A parser for exactly the shapes ``FlatJSON`` writes: `{"k":"v",…}` and
/// `{"k":{"confidence":n,"label":"v"},…}` (any key order, any whitespace, all string escapes).
/// Returns `nil` for anything else; callers then fall back to `JSONSerialization`.
struct FlatJSONReader {
    private let bytes: [UInt8]
    private var i = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// `{"head": "label"}`, or `nil` when `text` is not exactly that shape.
    static func labels(_ text: String) -> [String: String]? {
        var r = FlatJSONReader(text)
        var out: [String: String] = [:]
        let ok = r.object { r, key in
            guard let value = r.string() else { return false }
            out[key] = value
            return true
        }
        return ok ? out : nil
    }

    /// `{"head": {"confidence": n, "label": "…"}}`, or `nil` when `text` is not exactly that shape.
    static func heads(_ text: String) -> [String: (label: String, confidence: Double)]? {
        var r = FlatJSONReader(text)
        var out: [String: (label: String, confidence: Double)] = [:]
        let ok = r.object { r, key in
            var label: String?, confidence: Double?
            let inner = r.object { r, field in
                switch field {
                case "label": label = r.string(); return label != nil
                case "confidence": confidence = r.number(); return confidence != nil
                default: return false
                }
            }
            guard inner, let label, let confidence else { return false }
            out[key] = (label, confidence)
            return true
        }
        return ok ? out : nil
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func take(_ c: UInt8) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { return false }
        i += 1
        return true
    }

    /// Parses `{ "key": <value>, … }`, calling `value` after each key's colon. Must consume all input
    /// when it is the outermost object (checked by the caller's `i == bytes.count` below).
    private mutating func object(_ value: (inout FlatJSONReader, String) -> Bool) -> Bool {
        let outermost = i == 0
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return !outermost || atEnd() }
        repeat {
            skipSpace()
            guard let key = string(), take(UInt8(ascii: ":")), value(&self, key) else { return false }
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")) else { return false }
        return !outermost || atEnd()
    }

    private mutating func atEnd() -> Bool {
        skipSpace()
        return i == bytes.count
    }

    private mutating func number() -> Double? {
        skipSpace()
        let start = i
        while i < bytes.count, (bytes[i] >= 0x30 && bytes[i] <= 0x39) || "+-.eE".utf8.contains(bytes[i]) { i += 1 }
        guard i > start else { return nil }
        return Double(String(decoding: bytes[start..<i], as: UTF8.self))
    }

    /// A JSON string literal starting at the current byte.
    private mutating func string() -> String? {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] >= 0x20, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") {
            i += 1
        }
        guard i < bytes.count else { return nil }
        if bytes[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let b = bytes[i]
            i += 1
            if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
            if b < 0x20 { return nil }
            guard b == UInt8(ascii: "\\") else { out.append(b); continue }
            guard i < bytes.count else { return nil }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "u"):
                guard var unit = hex4() else { return nil }
                if (0xD800..<0xDC00).contains(unit) {  // high surrogate: a low one must follow
                    guard take(UInt8(ascii: "\\")), i < bytes.count, bytes[i] == UInt8(ascii: "u") else { return nil }
                    i += 1
                    guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                    unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let scalar = Unicode.Scalar(unit) else { return nil }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            default: return nil
            }
        }
        return nil
    }

    private mutating func hex4() -> UInt32? {
        guard i + 4 <= bytes.count, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16)
        else { return nil }
        i += 4
        return v
    }
}
