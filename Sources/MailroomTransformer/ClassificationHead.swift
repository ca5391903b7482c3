// ClassificationHead: DistilBERT's sequence-classification head on the first token's final hidden state:
// pre_classifier (Linear C→C) → ReLU → classifier (Linear C→labels).
//
// Key: B = sequences, C = hidden size, K = labels of this head.

/// One head; HF keys `heads.<name>.pre_classifier.{weight,bias}`, `heads.<name>.classifier.{weight,bias}`.
struct ClassificationHead {
    let name: String
    let labels: Int
    let preWeight: UnsafeMutablePointer<Float>  // (C, C)
    let preBias: UnsafeMutablePointer<Float>    // (C)
    let clsWeight: UnsafeMutablePointer<Float>  // (K, C)
    let clsBias: UnsafeMutablePointer<Float>    // (K)
    let C: Int

    /// Start of every head tensor's key.
    static let keyPrefix = "heads."

    static func load(from l: some TensorSource, name: String, labels: Int, C: Int) throws -> ClassificationHead {
        let p = "\(keyPrefix)\(name)."
        return ClassificationHead(name: name, labels: labels,
                                  preWeight: try l.take(p + "pre_classifier.weight", [C, C], encoder: false),
                                  preBias: try l.take(p + "pre_classifier.bias", [C], encoder: false),
                                  clsWeight: try l.take(p + "classifier.weight", [labels, C], encoder: false),
                                  clsBias: try l.take(p + "classifier.bias", [labels], encoder: false), C: C)
    }

    /// logits (B, K) = ReLU(x (B, C) · W_preᵀ + b_pre) · W_clsᵀ + b_cls; hidden (B, C) is scratch.
    func forward(_ logits: UnsafeMutablePointer<Float>, _ x: UnsafeMutablePointer<Float>, hidden: UnsafeMutablePointer<Float>, B: Int) {
        // hidden (B, C) = x (B, C) · W_pre (C, C)ᵀ, then ReLU(hidden + b_pre)
        matmulForward(hidden, x, preWeight, N: B, K: C, M: C)
        biasActivation(hidden, preBias, N: B, M: C, activation: .relu)
        // logits (B, K) = hidden (B, C) · W_cls (K, C)ᵀ + b_cls
        matmulForward(logits, hidden, clsWeight, N: B, K: C, M: labels)
        addBias(logits, clsBias, N: B, M: labels)
    }
}
