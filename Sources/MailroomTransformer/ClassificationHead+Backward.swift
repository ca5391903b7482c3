// ClassificationHead+Backward: the backward pass of ``ClassificationHead``'s training forward
// (ClassificationHead+Training.swift).
//
// Key: B = sequences, C = hidden size, K = labels of this head.

extension ClassificationHead {
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
