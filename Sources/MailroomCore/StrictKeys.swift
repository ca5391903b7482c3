// StrictKeys: opt-in rejection of unknown JSON fields, for bodies whose schema says `additionalProperties: false`
// (the gateway's API). Datasets and internal messages decode leniently; the API decodes with
// `decoder.userInfo[.rejectUnknownKeys] = true`.
import Foundation

extension CodingUserInfoKey {
    /// Set to `true` in a decoder's `userInfo` to make ``rejectUnknownKeys(in:allowed:)`` throw on unknown fields.
    public static let rejectUnknownKeys = CodingUserInfoKey(rawValue: "mailroom.rejectUnknownKeys")!
}

/// Any JSON object key.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws `DecodingError.dataCorrupted` naming the first field of the object being decoded that `Keys` does not
/// list, when the decoder asks for strictness (``CodingUserInfoKey/rejectUnknownKeys``); does nothing otherwise.
public func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(in decoder: any Decoder, allowed _: Keys.Type) throws {
    guard decoder.userInfo[.rejectUnknownKeys] as? Bool == true else { return }
    let container = try decoder.container(keyedBy: AnyCodingKey.self)
    let allowed = Keys.allCases.map(\.stringValue)
    let known = Set(allowed)
    guard let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) else { return }
    throw DecodingError.dataCorrupted(.init(
        codingPath: decoder.codingPath,
        debugDescription: "unknown field \(quotedForMessage(unknown)) (allowed: \(allowed.sorted().joined(separator: ", ")))"))
}

/// A control character, DEL, a C1 control, or an invisible format or line/paragraph separator: what must not
/// reach a log line or an error message unescaped.
public func isUnsafeInLine(_ scalar: Unicode.Scalar) -> Bool {
    let category = scalar.properties.generalCategory
    return scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || category == .format
        || category == .lineSeparator || category == .paragraphSeparator
}

/// `s` in double quotes with control characters and quotes escaped, cut to 64 characters: safe to put in an
/// error message or a log line whatever a client sent.
public func quotedForMessage(_ s: String, limit: Int = 64) -> String {
    var out = "\""
    for (i, scalar) in s.unicodeScalars.enumerated() {
        if i == limit { out += "…"; break }
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if isUnsafeInLine(scalar) {
                out += String(format: "\\u{%04X}", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

extension KeyedDecodingContainer {
    /// `decodeIfPresent`, except that under ``CodingUserInfoKey/rejectUnknownKeys`` an explicit `null` is an error:
    /// the API's optional fields are strings when present (leave a field out instead).
    public func decodeOptional<T: Decodable>(_ type: T.Type, forKey key: Key, strictIn decoder: any Decoder) throws -> T? {
        if decoder.userInfo[.rejectUnknownKeys] as? Bool == true, contains(key), try decodeNil(forKey: key) {
            throw DecodingError.valueNotFound(T.self, .init(
                codingPath: codingPath + [key], debugDescription: "null is not allowed here; leave the field out instead"))
        }
        return try decodeIfPresent(type, forKey: key)
    }
}
