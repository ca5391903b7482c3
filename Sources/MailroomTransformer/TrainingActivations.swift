// TrainingActivations: the activations a training forward pass keeps for the backward pass, and the gradient
// scratch of the backward pass, all allocated once for the largest batch (llm.c's ActivationTensors).
//
// Key: B = sequences, T = longest sequence, N = ΣT tokens (packed), C = hidden size, H = intermediate size,
// NH = heads, L = layers, PS = Σₛ NH·Tₛ² attention probabilities of a batch, K = labels of a head.

/// One encoder layer's kept activations (pointers into ``TrainingActivations``).
struct LayerActivations {
    let inp: FloatPtr        // (N, C) the layer's input (the previous layer's output)
    let qkv: FloatPtr        // (N, 3C)
    let probs: FloatPtr      // (PS) softmax(q·kᵀ/√HS) per (sequence, head), before dropout
    let probMask: FloatPtr   // (PS) attention-probability dropout mask (0 or 1/(1-p))
    let att: FloatPtr        // (N, C) attention context, before the output projection
    let res1: FloatPtr       // (N, C) inp + dropout(att · W_oᵀ + b_o), LayerNorm 1's input
    let mask1: FloatPtr      // (N, C) attention-output dropout mask (BERT only)
    let mean1: FloatPtr, rstd1: FloatPtr  // (N)
    let ln1: FloatPtr        // (N, C) LayerNorm 1's output, the FFN's input
    let h: FloatPtr          // (N, H) ln1 · W1ᵀ + b1, before the activation
    let g: FloatPtr          // (N, H) act(h)
    let res2: FloatPtr       // (N, C) ln1 + dropout(g · W2ᵀ + b2), LayerNorm 2's input
    let mask2: FloatPtr      // (N, C) FFN-output dropout mask
    let mean2: FloatPtr, rstd2: FloatPtr  // (N)
}

/// One head's kept activations.
struct HeadActivations {
    let pre: FloatPtr     // (B, C) cls · W_preᵀ + b_pre, before ReLU
    let r: FloatPtr       // (B, C) dropout(ReLU(pre))
    let mask: FloatPtr    // (B, C) dropout mask
    let logits: FloatPtr  // (B, K)
}

/// All training buffers for batches of at most `maxB` sequences of at most `maxT` tokens. Not thread-safe.
final class TrainingActivations {
    let maxN: Int, maxB: Int, maxT: Int, maxPS: Int, C: Int, H: Int
    private let buffer: FloatPtr
    private let total: Int
    // Embeddings
    let embSum: FloatPtr                    // (N, C) word + position + type, LayerNorm's input
    let embMean: FloatPtr, embRstd: FloatPtr  // (N)
    let embMask: FloatPtr                   // (N, C)
    let layers: [LayerActivations]          // (L)
    let out: FloatPtr                       // (N, C) the last layer's output
    let cls: FloatPtr                       // (B, C) first tokens' rows of `out`
    let heads: [HeadActivations]
    // Backward scratch
    let dX: FloatPtr, dY: FloatPtr, dZ: FloatPtr, dAtt: FloatPtr  // (N, C) each
    let dHidden: FloatPtr                   // (N, H)
    let dQKV: FloatPtr                      // (N, 3C)
    let pairScratch: FloatPtr               // (threads, 2, T, T) per worker: dropped probs, their gradient
    let dCls: FloatPtr, dR: FloatPtr        // (B, C)
    let dLogits: FloatPtr                   // (B, Kmax)
    let threads: Int

    init(config c: EncoderConfig, headLabels: [Int], maxB: Int, maxT: Int, threads: Int) {
        let C = c.hiddenSize, H = c.intermediateSize, L = c.numLayers, NH = c.numHeads
        let N = maxB * maxT, PS = maxB * NH * maxT * maxT, B = maxB
        let Kmax = headLabels.max() ?? 1
        self.maxN = N; self.maxB = B; self.maxT = maxT; self.maxPS = PS; self.C = C; self.H = H
        self.threads = max(1, threads)
        let perLayer = N * C * 8 + N * 3 * C + 2 * PS + 2 * N * H + 4 * N
        let perHead = 3 * B * C
        total = N * C * 2 + 2 * N + L * perLayer + N * C + B * C + headLabels.reduce(0) { $0 + perHead + B * $1 }
            + 4 * N * C + N * H + 3 * N * C + self.threads * 2 * maxT * maxT + 2 * B * C + B * Kmax
        buffer = .allocate(capacity: total)
        buffer.initialize(repeating: 0, count: total)
        var at = buffer
        func take(_ n: Int) -> FloatPtr { defer { at += n }; return at }
        embSum = take(N * C); embMean = take(N); embRstd = take(N); embMask = take(N * C)
        layers = (0..<L).map { _ in
            LayerActivations(inp: take(N * C), qkv: take(N * 3 * C), probs: take(PS), probMask: take(PS),
                             att: take(N * C), res1: take(N * C), mask1: take(N * C), mean1: take(N), rstd1: take(N),
                             ln1: take(N * C), h: take(N * H), g: take(N * H), res2: take(N * C), mask2: take(N * C),
                             mean2: take(N), rstd2: take(N))
        }
        out = take(N * C); cls = take(B * C)
        heads = headLabels.map { K in HeadActivations(pre: take(B * C), r: take(B * C), mask: take(B * C), logits: take(B * K)) }
        dX = take(N * C); dY = take(N * C); dZ = take(N * C); dAtt = take(N * C)
        dHidden = take(N * H); dQKV = take(N * 3 * C)
        pairScratch = take(self.threads * 2 * maxT * maxT)
        dCls = take(B * C); dR = take(B * C); dLogits = take(B * Kmax)
        precondition(at - buffer <= total, "training activation layout overflow; this is a bug")
    }

    deinit { buffer.deallocate() }

    /// Bytes held.
    var bytes: Int { total * MemoryLayout<Float>.size }
}
