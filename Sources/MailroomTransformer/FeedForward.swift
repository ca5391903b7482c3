// FeedForward: the position-wise MLP (HF BertIntermediate + BertOutput.dense, DistilBERT FFN).
//
// Key: N = rows (tokens), C = hidden size, H = intermediate size.

/// `lin2(act(lin1(x)))`; the activation is fused with lin1's bias, lin2's bias with the block's LayerNorm.
struct FeedForward {
    let lin1Weight: UnsafeMutablePointer<Float>  // (H, C)
    let lin1Bias: UnsafeMutablePointer<Float>    // (H)
    let lin2Weight: UnsafeMutablePointer<Float>  // (C, H)
    let lin2Bias: UnsafeMutablePointer<Float>    // (C), added by the block's fused bias + LayerNorm
    let C: Int, H: Int
    let activation: Activation
    /// lin1 and lin2 packed for the int8/bf16 kernels (nil: fp32 OpenBLAS); see ``QuantizationPlan``.
    var lin1Packed: PackedLinear? = nil, lin2Packed: PackedLinear? = nil

    static func keys(_ f: EncoderFamily) -> (lin1: String, lin2: String) {
        switch f {
        case .distilbert: ("ffn.lin1", "ffn.lin2")
        case .bert: ("intermediate.dense", "output.dense")
        }
    }

    static func load(from l: some TensorSource, prefix: String, config c: EncoderConfig) throws -> FeedForward {
        let C = c.hiddenSize, H = c.intermediateSize
        let k = keys(c.family)
        return FeedForward(lin1Weight: try l.take(prefix + k.lin1 + ".weight", [H, C]),
                           lin1Bias: try l.take(prefix + k.lin1 + ".bias", [H]),
                           lin2Weight: try l.take(prefix + k.lin2 + ".weight", [C, H]),
                           lin2Bias: try l.take(prefix + k.lin2 + ".bias", [C]), C: C, H: H, activation: c.activation)
    }

    /// x (N, C) += act(x · W1ᵀ + b1) · W2ᵀ (residual fused into the GEMM; b2 is not added); hidden (N, H) is scratch.
    func forward(_ x: FloatPtr, hidden: FloatPtr, N: Int, threads: Int) {
        // hidden (N, H) = b1 + x (N, C) · W1 (H, C)ᵀ
        fillRows(hidden, lin1Bias, N: N, M: H)
        linearForward(hidden, x, lin1Weight, lin1Packed, N: N, K: C, M: H, accumulate: true, threads: threads)
        // hidden = act(hidden), split over threads (GELU is the biggest elementwise pass)
        let hp = SendablePointer(hidden), (H, act) = (self.H, activation)
        parallelChunks(N, threads: threads) { rows in
            biasActivation(hp.p + rows.lowerBound * H, nil, N: rows.count, M: H, activation: act)
        }
        // x (N, C) += hidden (N, H) · W2 (C, H)ᵀ
        linearForward(x, hidden, lin2Weight, lin2Packed, N: N, K: H, M: C, accumulate: true, threads: threads)
    }
}
