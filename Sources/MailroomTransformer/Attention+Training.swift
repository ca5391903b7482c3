// Attention+Training: the training forward of ``Attention``, keeping q, k, v and the attention probabilities for the
// backward pass (Attention+Backward.swift), with dropout on the probabilities as HF does.
//
// Key: N = tokens in the packed batch, B = sequences, T = one sequence's length, C = hidden size, NH = heads,
// HS = head size, PS = Σₛ NH·Tₛ² probabilities of the batch (sequence s's block starts at probOffsets[s]).
import COpenBLAS

extension Attention {
    /// Start of each sequence's (NH, T, T) probability block in a PS-long buffer; the last entry is PS.
    static func probabilityOffsets(_ offsets: [Int], NH: Int) -> [Int] {
        var r = [0]
        for s in 0..<(offsets.count - 1) { let T = offsets[s + 1] - offsets[s]; r.append(r.last! + NH * T * T) }
        return r
    }

    /// Training forward up to the context: `qkv (N, 3C) = b + inp · W_qkvᵀ`, `probs (PS) = softmax(q·kᵀ/√HS)`,
    /// `att (N, C) = dropout(probs) · v`. `probMask` (PS) is applied when non-nil; `scratch` is
    /// (threads, 2, Tmax, Tmax). The output projection is the block's (so its dropout can sit before the residual).
    func forwardForTraining(att: FloatPtr, qkv: FloatPtr, probs: FloatPtr, probMask: FloatPtr?, _ inp: FloatPtr,
                            offsets: [Int], probOffsets: [Int], scratch: FloatPtr, Tmax: Int, threads: Int) {
        let N = offsets.last!
        // qkv (N, 3C) = b + inp (N, C) · W_qkv (3C, C)ᵀ
        fillRows(qkv, qkvBias, N: N, M: 3 * C)
        matmulForward(qkv, inp, qkvWeight, N: N, K: C, M: 3 * C, accumulate: true)
        let scale = 1 / Float(HS).squareRoot()
        let (C, NH, HS) = (self.C, self.NH, self.HS)
        let qkvP = SendablePointer(qkv), attP = SendablePointer(att), probsP = SendablePointer(probs)
        let maskP = probMask.map { SendablePointer($0) }, scratchP = SendablePointer(scratch)
        if threads > 1 { setBLASThreads(1) }
        parallelParts((offsets.count - 1) * NH, threads: threads) { part, pairs in
            let dropped = scratchP.p + part * 2 * Tmax * Tmax
            for pair in pairs {
                let (s, h) = pair.quotientAndRemainder(dividingBy: NH)
                let o = offsets[s], T = offsets[s + 1] - o
                let q = qkvP.p + o * 3 * C + h * HS, k = q + C, v = q + 2 * C
                let p = probsP.p + probOffsets[s] + h * T * T
                // p (T, T) = softmax(q (T, HS) · k (T, HS)ᵀ / √HS)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(HS),
                            scale, q, Int32(3 * C), k, Int32(3 * C), 0, p, Int32(T))
                softmaxRows(p, N: T, M: T, ld: T)
                let used = droppedOut(p, mask: maskP.map { $0.p + probOffsets[s] + h * T * T }, scratch: dropped,
                                      count: T * T)
                // att[o..<o+T, h·HS..<(h+1)·HS] (T, HS) = p (T, T) · v (T, HS)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(HS), Int32(T),
                            1, used, Int32(T), v, Int32(3 * C), 0, attP.p + o * C + h * HS, Int32(C))
            }
        }
        if threads > 1 { setBLASThreads(threads) }
    }
}

/// The attention probabilities after dropout, which the context and the value gradient use: `p (count)` itself when
/// `mask` is nil, else `p ∘ mask` written into `scratch (count)`.
func droppedOut(_ p: UnsafePointer<Float>, mask: UnsafePointer<Float>?, scratch: FloatPtr, count: Int)
    -> UnsafePointer<Float> {
    guard let mask else { return p }
    scratch.update(from: p, count: count)
    applyMask(scratch, mask, count: count)
    return UnsafePointer(scratch)
}
