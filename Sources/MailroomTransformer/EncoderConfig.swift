// EncoderConfig: the encoder part of an HF config.json (BERT or DistilBERT), decoded with HF's own keys.
//
// Keys follow transformers' configuration_bert.py / configuration_distilbert.py
// (https://github.com/huggingface/transformers/blob/v4.46.0/src/transformers/models/bert/configuration_bert.py,
//  …/distilbert/configuration_distilbert.py).
import Foundation

/// The two encoder families Mailroom runs; both are post-LayerNorm transformer encoders.
public enum EncoderFamily: String, Sendable { case bert, distilbert }

/// Feed-forward activation (`hidden_act` / `activation`).
public enum Activation: String, Sendable {
    /// Exact GELU, `0.5 x (1 + erf(x / √2))` (HF `gelu`).
    case gelu
    /// Tanh approximation (HF `gelu_new`, `gelu_pytorch_tanh`).
    case geluTanh
    case relu
}

/// Encoder hyper-parameters, one shape vocabulary for both families.
public struct EncoderConfig: Sendable, Equatable {
    public var family: EncoderFamily
    /// V: vocabulary size.
    public var vocabSize: Int
    /// C: hidden size (`hidden_size` / `dim`).
    public var hiddenSize: Int
    /// L: layers (`num_hidden_layers` / `n_layers`).
    public var numLayers: Int
    /// NH: attention heads (`num_attention_heads` / `n_heads`).
    public var numHeads: Int
    /// H: feed-forward size (`intermediate_size` / `hidden_dim`).
    public var intermediateSize: Int
    /// P: position table length.
    public var maxPositions: Int
    /// Token-type table rows (BERT only; 0 for DistilBERT).
    public var typeVocabSize: Int
    public var layerNormEps: Float
    public var activation: Activation

    /// HS: size of one attention head.
    public var headSize: Int { hiddenSize / numHeads }

    /// Decodes the encoder fields of a parsed config.json.
    public init(json: [String: Any], path: String) throws {
        func int(_ key: String) throws -> Int {
            guard let v = json[key] as? Int else {
                throw TransformerError.badConfig(path: path, reason: "missing integer \"\(key)\"")
            }
            return v
        }
        let modelType = json["model_type"] as? String ?? ""
        let act: String
        switch modelType {
        case "distilbert":
            family = .distilbert
            vocabSize = try int("vocab_size"); hiddenSize = try int("dim"); numLayers = try int("n_layers")
            numHeads = try int("n_heads"); intermediateSize = try int("hidden_dim")
            maxPositions = try int("max_position_embeddings"); typeVocabSize = 0
            layerNormEps = 1e-12
            act = json["activation"] as? String ?? "gelu"
        case "bert":
            family = .bert
            vocabSize = try int("vocab_size"); hiddenSize = try int("hidden_size")
            numLayers = try int("num_hidden_layers"); numHeads = try int("num_attention_heads")
            intermediateSize = try int("intermediate_size"); maxPositions = try int("max_position_embeddings")
            typeVocabSize = json["type_vocab_size"] as? Int ?? 2
            layerNormEps = Float(json["layer_norm_eps"] as? Double ?? 1e-12)
            act = json["hidden_act"] as? String ?? "gelu"
            if let p = json["position_embedding_type"] as? String, p != "absolute" {
                throw TransformerError.badConfig(path: path, reason: "only absolute position embeddings are supported, not \(p)")
            }
        default:
            throw TransformerError.badConfig(
                path: path, reason: "model_type \"\(modelType)\" is not supported; use a BERT or DistilBERT checkpoint")
        }
        switch act {
        case "gelu": activation = .gelu
        case "gelu_new", "gelu_pytorch_tanh": activation = .geluTanh
        case "relu": activation = .relu
        default: throw TransformerError.badConfig(path: path, reason: "activation \"\(act)\" is not supported (gelu, gelu_new, relu)")
        }
        guard hiddenSize % numHeads == 0 else {
            throw TransformerError.badConfig(path: path, reason: "hidden size \(hiddenSize) is not a multiple of \(numHeads) heads")
        }
    }

    /// Reads `DIR/config.json` and returns the encoder config and the whole JSON object.
    public static func read(directory: String) throws -> (EncoderConfig, [String: Any]) {
        let path = (directory as NSString).appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: path) else { throw TransformerError.missingFile(path) }
        guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TransformerError.badConfig(path: path, reason: "not a JSON object")
        }
        return (try EncoderConfig(json: json, path: path), json)
    }
}
