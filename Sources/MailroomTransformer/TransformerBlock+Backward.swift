// TransformerBlockBackward: the training forward of one post-LayerNorm encoder layer, with HF's dropouts
// (attention probabilities; attention output for BERT; FFN output), keeping what the backward pass needs, and the
// backward pass.
//
// Key: N = tokens in the packed batch, C = hidden size, H = intermediate size.

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
    func forward(_ out: FloatPtr, cache a: LayerActivations, layout: BatchLayout, dropout: DropoutFlags,
                 scratch: FloatPtr, threads: Int) {
        let N = layout.N
        attention.forward(att: a.att, qkv: a.qkv, probs: a.probs, probMask: dropout.enabled ? a.probMask : nil, a.inp,
                          offsets: layout.offsets, probOffsets: layout.probOffsets, scratch: scratch,
                          Tmax: layout.Tmax, threads: threads)
        // res1 (N, C) = inp + drop(b_o + att (N, C) · W_o (C, C)ᵀ)
        fillRows(a.res1, attention.outBias, N: N, M: C)
        matmulForward(a.res1, a.att, attention.outWeight, N: N, K: C, M: C, accumulate: true)
        if dropout.enabled && dropout.attentionOutput { applyMask(a.res1, a.mask1, count: N * C) }
        addInto(a.res1, a.inp, count: N * C)
        layerNormForward(a.ln1, a.mean1, a.rstd1, a.res1, ln1Weight, ln1Bias, N: N, C: C, eps: eps)
        // res2 (N, C) = ln1 + drop(FFN(ln1))
        ffn.forward(y: a.res2, h: a.h, g: a.g, a.ln1, N: N)
        if dropout.enabled { applyMask(a.res2, a.mask2, count: N * C) }
        addInto(a.res2, a.ln1, count: N * C)
        layerNormForward(out, a.mean2, a.rstd2, a.res2, ln2Weight, ln2Bias, N: N, C: C, eps: eps)
    }

    /// Backward of ``forward(_:cache:layout:dropout:scratch:threads:)``: `dinp (N, C) = ∂loss/∂inp` (overwritten)
    /// from `dout (N, C)`; parameter gradients are added into `grads`. `dres`, `dln1` (N, C), `dhidden` (N, H),
    /// `dqkv` (N, 3C) and `scratch` are scratch.
    func backward(_ dinp: FloatPtr, grads: TransformerBlock, dout: UnsafePointer<Float>, cache a: LayerActivations,
                  layout: BatchLayout, dropout: DropoutFlags, dres: FloatPtr, dln1: FloatPtr, dhidden: FloatPtr,
                  dqkv: FloatPtr, scratch: FloatPtr, threads: Int) {
        let N = layout.N
        // LayerNorm 2: dres (N, C) = ∂/∂res2
        dres.update(repeating: 0, count: N * C)
        layerNormBackward(dres, grads.ln2Weight, grads.ln2Bias, dout, a.res2, ln2Weight, a.mean2, a.rstd2, N: N, C: C)
        // res2 = ln1 + drop(FFN(ln1))
        dln1.update(from: dres, count: N * C)
        if dropout.enabled { applyMask(dres, a.mask2, count: N * C) }
        ffn.backward(dln1, grads: grads.ffn, dhidden: dhidden, dy: dres, a.ln1, h: a.h, g: a.g, N: N)
        // LayerNorm 1: dres (N, C) = ∂/∂res1
        dres.update(repeating: 0, count: N * C)
        layerNormBackward(dres, grads.ln1Weight, grads.ln1Bias, dln1, a.res1, ln1Weight, a.mean1, a.rstd1, N: N, C: C)
        // res1 = inp + drop(b_o + att · W_oᵀ)
        dinp.update(from: dres, count: N * C)
        if dropout.enabled && dropout.attentionOutput { applyMask(dres, a.mask1, count: N * C) }
        let datt = dln1  // free again: reuse as the context gradient (N, C)
        matmulBackward(datt, grads.attention.outWeight, grads.attention.outBias, dres, a.att, attention.outWeight,
                       N: N, K: C, M: C, accumulateInput: false)
        attention.backward(dinp, grads: grads.attention, dqkv: dqkv, datt: datt, a.inp, qkv: a.qkv, probs: a.probs,
                           probMask: dropout.enabled ? a.probMask : nil, offsets: layout.offsets,
                           probOffsets: layout.probOffsets, scratch: scratch, Tmax: layout.Tmax, threads: threads)
    }
}

/// `x (count) += y (count)`.
func addInto(_ x: FloatPtr, _ y: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + lanes <= count { vstore(vload(x + i) + vload(y + i), x + i); i += lanes }
    while i < count { x[i] += y[i]; i += 1 }
}
