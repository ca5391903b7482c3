// TransformerError: loading and running errors of the transformer runtime, each saying what to do next.

/// Errors of the transformer runtime.
public enum TransformerError: Error, CustomStringConvertible, Equatable {
    case missingFile(String)
    case badConfig(path: String, reason: String)
    /// No tensor under any accepted prefix; `tried` lists the keys looked up.
    case missingTensor(key: String, tried: [String], file: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int], file: String)
    case encoderNotFound(String)
    case invalidInput(String)

    public var description: String {
        switch self {
        case .missingFile(let p): "checkpoint file missing: \(p)"
        case .badConfig(let p, let r): "\(p): \(r)"
        case .missingTensor(let k, let tried, let f):
            "\(f) has no tensor \"\(k)\" (tried \(tried.joined(separator: ", "))); is it a BERT/DistilBERT checkpoint saved with save_pretrained, and does config.json match it?"
        case .shapeMismatch(let k, let e, let found, let f):
            "\(f): tensor \"\(k)\" has shape \(found), expected \(e) from config.json; the config and the weights disagree"
        case .encoderNotFound(let m): m
        case .invalidInput(let m): m
        }
    }
}
