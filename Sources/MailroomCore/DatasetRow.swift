// DatasetRow: one line of the dataset JSONL format (see ../shared/datasets/README.md), and its reader/writer.
import Foundation

/// One labelled example: `{"id","subject","body","language","labels":{head: label},"split"}`, and optionally the
/// email's `custodian_bank` (a structured model input; Mailroom's extension of the format).
public struct DatasetRow: Codable, Sendable, Equatable {
    public var id: String
    public var subject: String
    public var body: String
    public var language: String?
    public var custodianBank: String?
    /// Head name → label. A row may lack a head.
    public var labels: [String: String]
    /// `train` or `validation`; `nil` is treated as `train`.
    public var split: String?

    public init(id: String, subject: String, body: String, language: String? = nil,
                labels: [String: String] = [:], split: String? = nil, custodianBank: String? = nil) {
        self.id = id; self.subject = subject; self.body = body; self.language = language
        self.labels = labels; self.split = split; self.custodianBank = custodianBank
    }

    enum CodingKeys: String, CodingKey {
        case id, subject, body, language, labels, split
        case custodianBank = "custodian_bank"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        subject = try c.decodeIfPresent(String.self, forKey: .subject) ?? ""
        body = try c.decodeIfPresent(String.self, forKey: .body) ?? ""
        language = try c.decodeIfPresent(String.self, forKey: .language)
        custodianBank = try c.decodeIfPresent(String.self, forKey: .custodianBank)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        split = try c.decodeIfPresent(String.self, forKey: .split)
    }

    /// The model text of this row (see ``modelText(subject:body:)``).
    public var text: String { modelText(subject: subject, body: body) }
    public var isValidation: Bool { split == "validation" }
}

/// Errors reading or writing JSONL files, with the file and line so a user can fix the input.
public enum JSONLError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case badLine(path: String, line: Int, reason: String)
    case empty(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .badLine(let path, let line, let reason):
            "\(path):\(line): not a valid record (\(reason)); each line must be one JSON object"
        case .empty(let path): "\(path) holds no records; expected one JSON object per line"
        }
    }
}

/// Reads and writes files with one JSON object per line.
public enum JSONL {
    /// Decodes every non-empty line of `path` as `T`. Throws ``JSONLError`` naming the first bad line.
    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> [T] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw JSONLError.unreadable(path: path, reason: error.localizedDescription)
        }
        let decoder = JSONDecoder()
        var out: [T] = []
        var lineNumber = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 13 }) { continue }
            do { out.append(try decoder.decode(T.self, from: Data(line))) } catch {
                throw JSONLError.badLine(path: path, line: lineNumber, reason: describe(error))
            }
        }
        if out.isEmpty { throw JSONLError.empty(path: path) }
        return out
    }

    /// Encodes `records` one per line (sorted keys, no escaped slashes) into `path`.
    public static func write<T: Encodable>(_ records: [T], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for r in records {
            data.append(try encoder.encode(r))
            data.append(UInt8(ascii: "\n"))
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// A short, user-facing reason for a decoding error.
    public static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            let path = describePath(ctx.codingPath)
            return "missing field \"\(key.stringValue)\"" + (path.isEmpty ? "" : " in \(path)")
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx):
            let path = describePath(ctx.codingPath)
            return (path.isEmpty ? "wrong type for the whole body" : "wrong type at \"\(path)\"") + ": \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx) where ctx.underlyingError == nil:
            let path = describePath(ctx.codingPath)
            return path.isEmpty ? ctx.debugDescription : "at \"\(path)\": \(ctx.debugDescription)"
        case DecodingError.dataCorrupted(let ctx): return "malformed JSON: \(ctx.debugDescription)"
        default: return String(describing: error)
        }
    }

    /// `emails[2].labels`: a coding path as a client reads it.
    static func describePath(_ path: [any CodingKey]) -> String {
        var out = ""
        for key in path {
            if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
        }
        return out
    }
}
