// Activations: the preallocated scratch buffers of a forward pass, grown only when a batch needs more.
//
// Key: N = tokens in the packed batch, B = sequences, T = longest sequence, C = hidden size, H = intermediate size.

/// Scratch memory for ``TransformerEncoder`` forward passes. One instance per model; not thread-safe.
final class Activations {
    let C: Int, H: Int
    private(set) var capacityN = 0, capacityB = 0, capacityT = 0, capacityThreads = 0
    private(set) var x: FloatPtr = .allocate(capacity: 1)       // (N, C) residual stream
    private(set) var qkv: FloatPtr = .allocate(capacity: 1)     // (N, 3C)
    private(set) var att: FloatPtr = .allocate(capacity: 1)     // (N, C) attention output before W_out
    private(set) var hidden: FloatPtr = .allocate(capacity: 1)  // (N, H) feed-forward hidden
    private(set) var scores: FloatPtr = .allocate(capacity: 1)  // (threads, T, T) attention matrices, one per worker
    /// Set only for an attention-rollout run of one sequence: the current layer's (NH, T, T) attention
    /// probabilities are copied here (the last layer's first-token rows: (NH, T)). Not owned.
    var attentionRecord: FloatPtr?
    private(set) var xCLS: FloatPtr = .allocate(capacity: 1)    // (B, C) first tokens' hidden states
    private(set) var qCLS: FloatPtr = .allocate(capacity: 1)    // (B, C)
    private(set) var attCLS: FloatPtr = .allocate(capacity: 1)  // (B, C)
    private(set) var headHidden: FloatPtr = .allocate(capacity: 1)  // (B, C) a head's pre_classifier output
    private(set) var ids: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)        // (N)
    private(set) var positions: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)  // (N)

    init(C: Int, H: Int) { self.C = C; self.H = H }

    deinit {
        for p in [x, qkv, att, hidden, scores, xCLS, qCLS, attCLS, headHidden] { p.deallocate() }
        ids.deallocate(); positions.deallocate()
    }

    /// Makes room for a batch of N tokens in B sequences, the longest T long. Reallocates only to grow.
    func reserve(N: Int, B: Int, T: Int, threads: Int) {
        if N > capacityN {
            let n = max(N, capacityN * 5 / 4)
            for p in [x, qkv, att, hidden] { p.deallocate() }
            x = .allocate(capacity: n * C); qkv = .allocate(capacity: n * 3 * C); att = .allocate(capacity: n * C)
            hidden = .allocate(capacity: n * max(H, C))
            ids.deallocate(); positions.deallocate()
            ids = .allocate(capacity: n); positions = .allocate(capacity: n)
            capacityN = n
        }
        if B > capacityB {
            for p in [xCLS, qCLS, attCLS, headHidden] { p.deallocate() }
            xCLS = .allocate(capacity: B * C); qCLS = .allocate(capacity: B * C)
            attCLS = .allocate(capacity: B * C); headHidden = .allocate(capacity: B * C)
            capacityB = B
        }
        if T > capacityT || threads > capacityThreads {
            capacityT = max(T, capacityT); capacityThreads = max(threads, capacityThreads)
            scores.deallocate(); scores = .allocate(capacity: capacityThreads * capacityT * capacityT)
        }
    }

    /// Bytes held now (for the memory report).
    var bytes: Int {
        4 * (capacityN * (C * 5 + max(H, C)) + capacityB * C * 4 + capacityThreads * capacityT * capacityT) + 8 * capacityN
    }
}
