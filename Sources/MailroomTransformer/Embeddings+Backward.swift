// EmbeddingsBackward: the training forward of ``Embeddings`` (keeping the sum before LayerNorm) and its backward
// pass (scatter-add into the embedding tables).
//
// Key: N = tokens in the packed batch, C = hidden size.

extension Embeddings {
    /// `out (N, C) = LayerNorm(sum)` with `sum (N, C) = word[ids] + position[positions] + type[0]` and
    /// `mean`, `rstd` (N) kept.
    func forward(_ out: FloatPtr, sum: FloatPtr, mean: FloatPtr, rstd: FloatPtr, ids: UnsafePointer<Int32>,
                 positions: UnsafePointer<Int32>, N: Int) {
        for n in 0..<N {
            let row = sum + n * C
            row.update(from: wordEmbeddings + Int(ids[n]) * C, count: C)
            addInto(row, positionEmbeddings + Int(positions[n]) * C, count: C)
            if let t = tokenType0 { addInto(row, t, count: C) }
        }
        layerNormForward(out, mean, rstd, sum, layerNormWeight, layerNormBias, N: N, C: C, eps: eps)
    }

    /// Backward: adds into `grads`' tables (rows `ids`, `positions`, type row 0) and LayerNorm; `dsum (N, C)` is
    /// scratch.
    func backward(grads: Embeddings, dsum: FloatPtr, dout: UnsafePointer<Float>, sum: UnsafePointer<Float>,
                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, ids: UnsafePointer<Int32>,
                  positions: UnsafePointer<Int32>, N: Int) {
        dsum.update(repeating: 0, count: N * C)
        layerNormBackward(dsum, grads.layerNormWeight, grads.layerNormBias, dout, sum, layerNormWeight, mean, rstd,
                          N: N, C: C)
        for n in 0..<N {
            let d = dsum + n * C
            addInto(grads.wordEmbeddings + Int(ids[n]) * C, d, count: C)
            addInto(grads.positionEmbeddings + Int(positions[n]) * C, d, count: C)
            if let t = grads.tokenType0 { addInto(t, d, count: C) }
        }
    }
}

extension ClassificationHead {
    /// Training forward: `pre (B, C) = b_pre + x · W_preᵀ`, `r = dropout(ReLU(pre))` (mask nil: no dropout),
    /// `logits (B, K) = b_cls + r · W_clsᵀ`.
    func forward(_ logits: FloatPtr, pre: FloatPtr, r: FloatPtr, mask: UnsafePointer<Float>?, _ x: UnsafePointer<Float>,
                 B: Int) {
        fillRows(pre, preBias, N: B, M: C)
        matmulForward(pre, x, preWeight, N: B, K: C, M: C, accumulate: true)
        r.update(from: pre, count: B * C)
        biasActivation(r, nil, N: B, M: C, activation: .relu)
        if let mask { applyMask(r, mask, count: B * C) }
        fillRows(logits, clsBias, N: B, M: labels)
        matmulForward(logits, r, clsWeight, N: B, K: C, M: labels, accumulate: true)
    }

    /// Backward: `dx (B, C) += ∂loss/∂x`, head gradients added into `grads`; `dr (B, C)` is scratch.
    func backward(_ dx: FloatPtr, grads: ClassificationHead, dr: FloatPtr, dlogits: UnsafePointer<Float>,
                  _ x: UnsafePointer<Float>, pre: UnsafePointer<Float>, r: UnsafePointer<Float>,
                  mask: UnsafePointer<Float>?, B: Int) {
        // dr (B, C) = dlogits (B, K) · W_cls (K, C)
        matmulBackward(dr, grads.clsWeight, grads.clsBias, dlogits, r, clsWeight, N: B, K: C, M: labels,
                       accumulateInput: false)
        if let mask { applyMask(dr, mask, count: B * C) }
        activationBackward(dr, dr, pre, count: B * C, activation: .relu)
        // dx (B, C) += dpre (B, C) · W_pre (C, C)
        matmulBackward(dx, grads.preWeight, grads.preBias, dr, x, preWeight, N: B, K: C, M: C)
    }
}
