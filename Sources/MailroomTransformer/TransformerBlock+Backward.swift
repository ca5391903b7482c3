// TransformerBlock+Backward: the backward pass of one encoder layer's training forward
// (TransformerBlock+Training.swift).
//
// Key: N = tokens in the packed batch, C = hidden size, H = intermediate size.

extension TransformerBlock {
    /// Backward of ``forwardForTraining(_:cache:layout:dropout:scratch:threads:)``: `dinp (N, C) = ∂loss/∂inp`
    /// (overwritten) from `dout (N, C)`; parameter gradients are added into `grads`. `dres`, `dln1` (N, C),
    /// `dhidden` (N, H), `dqkv` (N, 3C) and `scratch` are scratch.
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
