// FeedForward+Backward: the backward pass of ``FeedForward``'s training forward (FeedForward+Training.swift).
//
// Key: N = rows (tokens), C = hidden size, H = intermediate size.

extension FeedForward {
    /// Backward of ``forwardForTraining(y:h:g:_:N:)``: `dinp (N, C) += …`, gradients of W1, b1, W2, b2 added into
    /// `grads`; `dhidden (N, H)` is scratch.
    func backward(_ dinp: FloatPtr, grads: FeedForward, dhidden: FloatPtr, dy: UnsafePointer<Float>,
                  _ inp: UnsafePointer<Float>, h: UnsafePointer<Float>, g: UnsafePointer<Float>, N: Int) {
        // dg (N, H) = dy (N, C) · W2 (C, H); dW2 += dyᵀ · g; db2 += Σ dy
        matmulBackward(dhidden, grads.lin2Weight, grads.lin2Bias, dy, g, lin2Weight, N: N, K: H, M: C,
                       accumulateInput: false)
        // dh = dg ∘ act'(h)
        activationBackward(dhidden, dhidden, h, count: N * H, activation: activation)
        // dinp += dh (N, H) · W1 (H, C); dW1 += dhᵀ · inp; db1 += Σ dh
        matmulBackward(dinp, grads.lin1Weight, grads.lin1Bias, dhidden, inp, lin1Weight, N: N, K: C, M: H)
    }
}
