// FeedForwardBackward: the training forward of ``FeedForward`` (keeping the pre-activation and the activation) and
// its backward pass.
//
// Key: N = rows (tokens), C = hidden size, H = intermediate size.

extension FeedForward {
    /// `y (N, C) = b2 + act(h) · W2ᵀ` with `h (N, H) = b1 + inp (N, C) · W1ᵀ` and `g (N, H) = act(h)` kept.
    func forward(y: FloatPtr, h: FloatPtr, g: FloatPtr, _ inp: UnsafePointer<Float>, N: Int) {
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

    /// Backward of ``forward(y:h:g:_:N:)``: `dinp (N, C) += …`, gradients of W1, b1, W2, b2 added into `grads`;
    /// `dhidden (N, H)` is scratch.
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
