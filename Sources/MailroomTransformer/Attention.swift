// Attention: multi-head self-attention with a fused QKV projection (HF BertSelfAttention + BertSelfOutput.dense,
// DistilBERT MultiHeadSelfAttention).
//
// Key: N = tokens in the packed batch, B = sequences, T = one sequence's length, C = hidden size,
// NH = heads, HS = head size (C / NH). Sequences are packed back to back (no padding), so each sequence
// attends over exactly its own T tokens: the attention mask is the packing itself.
import COpenBLAS

/// Multi-head self-attention. q, k, v weights are concatenated at load into one (3C, C) matrix so the
/// projection is a single GEMM.
struct Attention {
    let qkvWeight: UnsafeMutablePointer<Float>  // (3C, C): rows q | k | v
    let qkvBias: UnsafeMutablePointer<Float>    // (3C)
    let outWeight: UnsafeMutablePointer<Float>  // (C, C)
    let outBias: UnsafeMutablePointer<Float>    // (C), added by the block's fused bias + LayerNorm
    let C: Int, NH: Int, HS: Int
    /// The two projections packed for the int8/bf16 kernels (nil: fp32 OpenBLAS); see ``QuantizationPlan``.
    var qkvPacked: PackedLinear? = nil, outPacked: PackedLinear? = nil

    /// HF module names of q, k, v and the output projection per family.
    static func keys(_ f: EncoderFamily) -> (q: String, k: String, v: String, out: String) {
        switch f {
        case .distilbert: ("attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin")
        case .bert: ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense")
        }
    }

    static func load(from l: some TensorSource, prefix: String, config c: EncoderConfig) throws -> Attention {
        let C = c.hiddenSize
        let k = keys(c.family)
        let names = [k.q, k.k, k.v].map { prefix + $0 }
        let w = try l.takeConcatenated(names.map { $0 + ".weight" }, Array(repeating: [C, C], count: 3))
        let b = try l.takeConcatenated(names.map { $0 + ".bias" }, Array(repeating: [C], count: 3))
        return Attention(qkvWeight: w, qkvBias: b, outWeight: try l.take(prefix + k.out + ".weight", [C, C]),
                         outBias: try l.take(prefix + k.out + ".bias", [C]), C: C, NH: c.numHeads, HS: c.headSize)
    }

    /// x (N, C) += Attention(x) · W_outᵀ (the residual add is fused into the GEMM; the output bias is not added).
    /// offsets (B+1) start rows of the sequences; qkv (N, 3C), att (N, C) and scores (threads, Tmax, Tmax)
    /// are scratch. `record` (NH, T, T), for one sequence only: each head's attention probabilities are copied there.
    func forward(_ x: FloatPtr, offsets: [Int], qkv: FloatPtr, att: FloatPtr, scores: FloatPtr,
                 threads: Int, record: FloatPtr? = nil) {
        let N = offsets.last!
        // qkv (N, 3C) = b + x (N, C) · W_qkv (3C, C)ᵀ
        fillRows(qkv, qkvBias, N: N, M: 3 * C)
        linearForward(qkv, x, qkvWeight, qkvPacked, N: N, K: C, M: 3 * C, accumulate: true, threads: threads)
        // One (sequence, head) pair per task, split over `threads` workers, each with its own (Tmax, Tmax) scores
        // and OpenBLAS on one thread inside (the small GEMMs parallelise better across pairs than within one).
        let scale = 1 / Float(HS).squareRoot()
        let (C, NH, HS) = (self.C, self.NH, self.HS)
        let Tmax = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
        let qkvP = SendablePointer(qkv), attP = SendablePointer(att), scoresP = SendablePointer(scores)
        let recordP = record.map(SendablePointer.init)
        if threads > 1 { setBLASThreads(1) }
        parallelParts((offsets.count - 1) * NH, threads: threads) { part, pairs in
            let scores = scoresP.p + part * Tmax * Tmax
            for pair in pairs {
                let (s, h) = pair.quotientAndRemainder(dividingBy: NH)
                let o = offsets[s], T = offsets[s + 1] - o
                let q = qkvP.p + o * 3 * C + h * HS, k = q + C, v = q + 2 * C
                // scores (T, T) = q (T, HS) · k (T, HS)ᵀ / √HS; rows of q, k are 3C apart
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(HS),
                            scale, q, Int32(3 * C), k, Int32(3 * C), 0, scores, Int32(T))
                softmaxRows(scores, N: T, M: T, ld: T)
                if let r = recordP, s == 0 { (r.p + h * T * T).update(from: scores, count: T * T) }  // (T, T) per head
                // att[o..<o+T, h·HS..<(h+1)·HS] (T, HS) = scores (T, T) · v (T, HS)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(HS), Int32(T),
                            1, scores, Int32(T), v, Int32(3 * C), 0, attP.p + o * C + h * HS, Int32(C))
            }
        }
        if threads > 1 { setBLASThreads(threads) }
        // x (N, C) += att (N, C) · W_out (C, C)ᵀ
        linearForward(x, att, outWeight, outPacked, N: N, K: C, M: C, accumulate: true, threads: threads)
    }

    /// The last layer when only each sequence's first token is needed: keys and values for all N tokens,
    /// the query and everything after it for the B first tokens only.
    /// xCLS (B, C) += Attention(x)[first tokens] · W_outᵀ, without the output bias; xCLS holds the first
    /// tokens' rows of x (N, C); qCLS (B, C) and attCLS (B, C) are scratch. `record` (NH, T), for one sequence
    /// only: each head's first-token attention probabilities are copied there.
    func forwardFirstTokens(_ x: FloatPtr, xCLS: FloatPtr, offsets: [Int], qkv: FloatPtr,
                            qCLS: FloatPtr, attCLS: FloatPtr, scores: FloatPtr, threads: Int, record: FloatPtr? = nil) {
        let N = offsets.last!, B = offsets.count - 1
        // k, v (N, 2C) = b + x (N, C) · W_kv (2C, C)ᵀ, written into columns C..<3C of qkv (N, 3C)
        fillRows(qkv + C, qkvBias + C, N: N, M: 2 * C, ld: 3 * C)
        if let p = qkvPacked {
            p.forward(qkv, x, N: N, ldOut: 3 * C, accumulate: true, rows: C..<(3 * C), threads: threads)
        } else {
            matmulForward(qkv + C, x, qkvWeight + C * C, N: N, K: C, M: 2 * C, ldOut: 3 * C, accumulate: true)
        }
        // q (B, C) = b + xCLS (B, C) · W_q (C, C)ᵀ
        fillRows(qCLS, qkvBias, N: B, M: C)
        if let p = qkvPacked {
            p.forward(qCLS, xCLS, N: B, ldOut: C, accumulate: true, rows: 0..<C, threads: threads)
        } else {
            matmulForward(qCLS, xCLS, qkvWeight, N: B, K: C, M: C, accumulate: true)
        }
        let scale = 1 / Float(HS).squareRoot()
        for s in 0..<B {
            let o = offsets[s], T = offsets[s + 1] - o
            for h in 0..<NH {
                let k = qkv + o * 3 * C + C + h * HS, v = k + C
                // scores (T) = k (T, HS) · q (HS) / √HS
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(T), Int32(HS), scale, k, Int32(3 * C),
                            qCLS + s * C + h * HS, 1, 0, scores, 1)
                softmaxRows(scores, N: 1, M: T, ld: T)
                if let record, s == 0 { (record + h * T).update(from: scores, count: T) }  // (T) per head
                // att (HS) = v (T, HS)ᵀ · scores (T)
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(T), Int32(HS), 1, v, Int32(3 * C),
                            scores, 1, 0, attCLS + s * C + h * HS, 1)
            }
        }
        // xCLS (B, C) += attCLS (B, C) · W_out (C, C)ᵀ
        linearForward(xCLS, attCLS, outWeight, outPacked, N: B, K: C, M: C, accumulate: true, threads: threads)
    }
}
