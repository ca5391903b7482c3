// ModelManifest: the `mailroom` object of a model directory's config.json, common to every model kind.
import Foundation

/// The self-description every Mailroom model directory carries under the `mailroom` key of `config.json`.
///
/// A transformer checkpoint's `config.json` is the encoder's Hugging Face config plus this object;
/// a linear model's `config.json` holds only this object (and its own fields).
public struct ModelManifest: Codable, Sendable, Equatable {
    /// `linear` or `transformer`. Missing means `transformer` (an HF config with a `mailroom` object).
    public var kind: String
    public var version: String
    public var heads: [HeadSpec]
    public var maxLength: Int?
    /// Transformer: the structured fields written before the text (``ModelInput/prefixed(fields:)``); nil: none.
    public var fields: [String]?

    public init(kind: String, version: String, heads: [HeadSpec], maxLength: Int? = nil, fields: [String]? = nil) {
        self.kind = kind; self.version = version; self.heads = heads; self.maxLength = maxLength; self.fields = fields
    }

    enum CodingKeys: String, CodingKey {
        case kind, version, heads, fields
        case maxLength = "max_length"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decodeIfPresent(String.self, forKey: .kind) ?? "transformer"
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? "unversioned"
        heads = try c.decode([HeadSpec].self, forKey: .heads)
        maxLength = try c.decodeIfPresent(Int.self, forKey: .maxLength)
        fields = try c.decodeIfPresent([String].self, forKey: .fields)
    }

    private struct Wrapper: Decodable { var mailroom: ModelManifest? }

    /// Reads `DIR/config.json` and returns its `mailroom` object.
    public static func read(directory: String) throws -> ModelManifest {
        let path = (directory as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError.notAModelDirectory(directory)
        }
        do {
            guard let m = try JSONDecoder().decode(Wrapper.self, from: data).mailroom else {
                throw ModelError.missingManifest(path)
            }
            return m
        } catch let e as ModelError { throw e } catch {
            throw ModelError.badConfig(path: path, reason: JSONL.describe(error))
        }
    }
}

/// Errors loading or running a model, with what to do next.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    case notAModelDirectory(String)
    case missingManifest(String)
    case badConfig(path: String, reason: String)
    case unknownKind(String)
    case missingFile(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .notAModelDirectory(let d):
            "\(d) is not a model directory (no config.json); train one with `mailroom train --data FILE --out DIR`"
        case .missingManifest(let p):
            "\(p) has no \"mailroom\" object (heads, version); it is a bare encoder: train heads on it with `mailroom train --kind transformer --encoder DIR`"
        case .badConfig(let p, let r): "\(p): \(r)"
        case .unknownKind(let k): "unknown model kind \"\(k)\"; known kinds: linear, transformer, hybrid"
        case .missingFile(let p): "model file missing: \(p)"
        case .invalid(let m): m
        }
    }
}
