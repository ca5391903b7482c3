// TransformerBlock: one post-LayerNorm encoder layer (HF BertLayer, DistilBERT TransformerBlock):
// x = LN1(x + Attention(x)); x = LN2(x + FFN(x)).
//
// Key: N = tokens in the packed batch, B = sequences, C = hidden size, H = intermediate size.

/// One encoder layer; HF keys under `encoder.layer.{i}.` (BERT) or `transformer.layer.{i}.` (DistilBERT).
struct TransformerBlock {
    var attention: Attention
    var ffn: FeedForward
    let ln1Weight: UnsafeMutablePointer<Float>, ln1Bias: UnsafeMutablePointer<Float>  // (C), after attention
    let ln2Weight: UnsafeMutablePointer<Float>, ln2Bias: UnsafeMutablePointer<Float>  // (C), after the FFN
    let C: Int, eps: Float

    static func load(from l: some TensorSource, prefix: String, config c: EncoderConfig) throws -> TransformerBlock {
        let (ln1, ln2) = c.family == .distilbert ? ("sa_layer_norm", "output_layer_norm")
                                                 : ("attention.output.LayerNorm", "output.LayerNorm")
        let C = c.hiddenSize
        return TransformerBlock(attention: try Attention.load(from: l, prefix: prefix, config: c),
                                ffn: try FeedForward.load(from: l, prefix: prefix, config: c),
                                ln1Weight: try l.take(prefix + ln1 + ".weight", [C]),
                                ln1Bias: try l.take(prefix + ln1 + ".bias", [C]),
                                ln2Weight: try l.take(prefix + ln2 + ".weight", [C]),
                                ln2Bias: try l.take(prefix + ln2 + ".bias", [C]), C: C, eps: c.layerNormEps)
    }

    /// x (N, C) ← block(x), in place, for all N tokens.
    func forward(_ x: FloatPtr, offsets: [Int], a: Activations, threads: Int) {
        let N = offsets.last!
        // x = LN1(x + Attention(x) + b_out): the GEMM adds into x, then bias + LayerNorm in one pass
        attention.forward(x, offsets: offsets, qkv: a.qkv, att: a.att, scores: a.scores, threads: threads,
                          record: a.attentionRecord)
        layerNorm(x, attention.outBias, ln1Weight, ln1Bias, N: N, threads: threads)
        // x = LN2(x + FFN(x) + b2)
        ffn.forward(x, hidden: a.hidden, N: N, threads: threads)
        layerNorm(x, ffn.lin2Bias, ln2Weight, ln2Bias, N: N, threads: threads)
    }

    /// The block's output for each sequence's first token only: xCLS (B, C) ← block(x)[first tokens].
    /// x (N, C) is read (keys and values need every token), not changed.
    func forwardFirstTokens(_ xCLS: FloatPtr, _ x: FloatPtr, offsets: [Int], a: Activations, threads: Int) {
        let B = offsets.count - 1
        for s in 0..<B { (xCLS + s * C).update(from: x + offsets[s] * C, count: C) }
        attention.forwardFirstTokens(x, xCLS: xCLS, offsets: offsets, qkv: a.qkv,
                                     qCLS: a.qCLS, attCLS: a.attCLS, scores: a.scores, threads: threads,
                                     record: a.attentionRecord)
        layerNorm(xCLS, attention.outBias, ln1Weight, ln1Bias, N: B, threads: 1)
        ffn.forward(xCLS, hidden: a.hidden, N: B, threads: threads)
        layerNorm(xCLS, ffn.lin2Bias, ln2Weight, ln2Bias, N: B, threads: 1)
    }

    /// x (N, C) = LayerNorm(x + bias) · gamma + beta, rows split over threads.
    private func layerNorm(_ x: FloatPtr, _ bias: FloatPtr, _ gamma: FloatPtr, _ beta: FloatPtr, N: Int, threads: Int) {
        let (xp, bp, gp, bep, C, eps) = (SendablePointer(x), SendablePointer(bias), SendablePointer(gamma),
                                         SendablePointer(beta), self.C, self.eps)
        parallelChunks(N, threads: threads) { r in
            residualLayerNorm(xp.p + r.lowerBound * C, nil, bp.p, gp.p, bep.p, N: r.count, C: C, eps: eps)
        }
    }
}
