// ClassificationHead+Training: the training forward of ``ClassificationHead``, keeping the pre-activation and the
// dropped-out ReLU output for the backward pass (ClassificationHead+Backward.swift).
//
// Key: B = sequences, C = hidden size, K = labels of this head.

extension ClassificationHead {
    /// Training forward: `pre (B, C) = b_pre + x · W_preᵀ`, `r = dropout(ReLU(pre))` (mask nil: no dropout),
    /// `logits (B, K) = b_cls + r · W_clsᵀ`.
    func forwardForTraining(_ logits: FloatPtr, pre: FloatPtr, r: FloatPtr, mask: UnsafePointer<Float>?,
                            _ x: UnsafePointer<Float>, B: Int) {
        fillRows(pre, preBias, N: B, M: C)
        matmulForward(pre, x, preWeight, N: B, K: C, M: C, accumulate: true)
        r.update(from: pre, count: B * C)
        biasActivation(r, nil, N: B, M: C, activation: .relu)
        if let mask { applyMask(r, mask, count: B * C) }
        fillRows(logits, clsBias, N: B, M: labels)
        matmulForward(logits, r, clsWeight, N: B, K: C, M: labels, accumulate: true)
    }
}
