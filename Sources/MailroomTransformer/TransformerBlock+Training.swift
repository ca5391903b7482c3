// TransformerBlock+Training: the training forward of one post-LayerNorm encoder layer, with HF's dropouts
// (attention probabilities; attention output for BERT; FFN output), keeping what the backward pass
// (TransformerBlock+Backward.swift) needs.
//
// Key: N = tokens in the packed batch, B = sequences, C = hidden size, H = intermediate size.

/// Which dropout masks a training forward applies (the masks themselves are filled by the model beforehand).
struct DropoutFlags {
    /// Masks on attention probabilities and the FFN output (and embeddings, heads).
    var enabled: Bool
    /// Also a mask on the attention output projection (BERT's BertSelfOutput.dropout; DistilBERT has none).
    var attentionOutput: Bool
}

/// The per-batch sizes a layer needs besides N.
struct BatchLayout {
    let offsets: [Int]       // (B+1) start rows of the sequences
    let probOffsets: [Int]   // (B+1) start of each sequence's (NH, T, T) probabilities
    let Tmax: Int
    var N: Int { offsets.last! }
    var B: Int { offsets.count - 1 }
}

extension TransformerBlock {
    /// `out (N, C) = LN2(ln1 + drop(FFN(ln1)))`, `ln1 = LN1(inp + drop(Attention(inp)))`, keeping activations in `a`
    /// (whose `inp` is the input).
    func forwardForTraining(_ out: FloatPtr, cache a: LayerActivations, layout: BatchLayout, dropout: DropoutFlags,
                            scratch: FloatPtr, threads: Int) {
        let N = layout.N
        attention.forwardForTraining(att: a.att, qkv: a.qkv, probs: a.probs,
                                     probMask: dropout.enabled ? a.probMask : nil, a.inp, offsets: layout.offsets,
                                     probOffsets: layout.probOffsets, scratch: scratch, Tmax: layout.Tmax,
                                     threads: threads)
        // res1 (N, C) = inp + drop(b_o + att (N, C) · W_o (C, C)ᵀ)
        fillRows(a.res1, attention.outBias, N: N, M: C)
        matmulForward(a.res1, a.att, attention.outWeight, N: N, K: C, M: C, accumulate: true)
        if dropout.enabled && dropout.attentionOutput { applyMask(a.res1, a.mask1, count: N * C) }
        addInto(a.res1, a.inp, count: N * C)
        layerNormForward(a.ln1, a.mean1, a.rstd1, a.res1, ln1Weight, ln1Bias, N: N, C: C, eps: eps)
        // res2 (N, C) = ln1 + drop(FFN(ln1))
        ffn.forwardForTraining(y: a.res2, h: a.h, g: a.g, a.ln1, N: N)
        if dropout.enabled { applyMask(a.res2, a.mask2, count: N * C) }
        addInto(a.res2, a.ln1, count: N * C)
        layerNormForward(out, a.mean2, a.rstd2, a.res2, ln2Weight, ln2Bias, N: N, C: C, eps: eps)
    }
}
