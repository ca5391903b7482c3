// FeedForward+Training: the training forward of ``FeedForward``, keeping the pre-activation and the activation for
// the backward pass (FeedForward+Backward.swift).
//
// Key: N = rows (tokens), C = hidden size, H = intermediate size.

extension FeedForward {
    /// `y (N, C) = b2 + act(h) · W2ᵀ` with `h (N, H) = b1 + inp (N, C) · W1ᵀ` and `g (N, H) = act(h)` kept.
    func forwardForTraining(y: FloatPtr, h: FloatPtr, g: FloatPtr, _ inp: UnsafePointer<Float>, N: Int) {
        // h (N, H) = b1 + inp (N, C) · W1 (H, C)ᵀ
        fillRows(h, lin1Bias, N: N, M: H)
        matmulForward(h, inp, lin1Weight, N: N, K: C, M: H, accumulate: true)
        // g = act(h)
        g.update(from: h, count: N * H)
        biasActivation(g, nil, N: N, M: H, activation: activation)
        // y (N, C) = b2 + g (N, H) · W2 (C, H)ᵀ
        fillRows(y, lin2Bias, N: N, M: C)
        matmulForward(y, g, lin2Weight, N: N, K: H, M: C, accumulate: true)
    }
}
