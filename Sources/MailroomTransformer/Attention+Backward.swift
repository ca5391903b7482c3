// AttentionBackward: the training forward of ``Attention`` (keeping q, k, v and the probabilities, with dropout on
// the probabilities as HF does) and its backward pass, batched per (sequence, head) with sgemm.
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
    func forward(att: FloatPtr, qkv: FloatPtr, probs: FloatPtr, probMask: FloatPtr?, _ inp: FloatPtr,
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
                var used = UnsafePointer(p)
                if let m = maskP {
                    dropped.update(from: p, count: T * T)
                    applyMask(dropped, m.p + probOffsets[s] + h * T * T, count: T * T)
                    used = UnsafePointer(dropped)
                }
                // att[o..<o+T, h·HS..<(h+1)·HS] (T, HS) = p (T, T) · v (T, HS)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(HS), Int32(T),
                            1, used, Int32(T), v, Int32(3 * C), 0, attP.p + o * C + h * HS, Int32(C))
            }
        }
        if threads > 1 { setBLASThreads(threads) }
    }

    /// Backward of ``forward(att:qkv:probs:probMask:_:offsets:probOffsets:scratch:Tmax:threads:)``:
    /// `dinp (N, C) += dqkv · W_qkv`, `grads.qkvWeight (3C, C) += dqkvᵀ · inp`, `grads.qkvBias (3C) += Σ dqkv`.
    /// `dqkv (N, 3C)` is scratch (overwritten); `datt (N, C)` is the gradient of the context.
    func backward(_ dinp: FloatPtr, grads: Attention, dqkv: FloatPtr, datt: UnsafePointer<Float>,
                  _ inp: UnsafePointer<Float>, qkv: UnsafePointer<Float>, probs: UnsafePointer<Float>,
                  probMask: UnsafePointer<Float>?, offsets: [Int], probOffsets: [Int], scratch: FloatPtr, Tmax: Int,
                  threads: Int) {
        let N = offsets.last!
        let scale = 1 / Float(HS).squareRoot()
        let (C, NH, HS) = (self.C, self.NH, self.HS)
        let qkvP = SendablePointer(UnsafeMutablePointer(mutating: qkv)), dqkvP = SendablePointer(dqkv)
        let probsP = SendablePointer(UnsafeMutablePointer(mutating: probs))
        let dattP = SendablePointer(UnsafeMutablePointer(mutating: datt)), scratchP = SendablePointer(scratch)
        let maskP = probMask.map { SendablePointer(UnsafeMutablePointer(mutating: $0)) }
        if threads > 1 { setBLASThreads(1) }
        parallelParts((offsets.count - 1) * NH, threads: threads) { part, pairs in
            let dropped = scratchP.p + part * 2 * Tmax * Tmax, dp = dropped + Tmax * Tmax
            for pair in pairs {
                let (s, h) = pair.quotientAndRemainder(dividingBy: NH)
                let o = offsets[s], T = offsets[s + 1] - o
                let q = qkvP.p + o * 3 * C + h * HS, k = q + C, v = q + 2 * C
                let dq = dqkvP.p + o * 3 * C + h * HS, dk = dq + C, dv = dq + 2 * C
                let da = dattP.p + o * C + h * HS
                let p = probsP.p + probOffsets[s] + h * T * T
                var used = UnsafePointer(p)
                if let m = maskP {
                    dropped.update(from: p, count: T * T)
                    applyMask(dropped, m.p + probOffsets[s] + h * T * T, count: T * T)
                    used = UnsafePointer(dropped)
                }
                // dp (T, T) = da (T, HS) · v (T, HS)ᵀ
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(T), Int32(T), Int32(HS),
                            1, da, Int32(C), v, Int32(3 * C), 0, dp, Int32(T))
                // dv (T, HS) = usedᵀ (T, T) · da (T, HS)
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(HS), Int32(T),
                            1, used, Int32(T), da, Int32(C), 0, dv, Int32(3 * C))
                if let m = maskP { applyMask(dp, m.p + probOffsets[s] + h * T * T, count: T * T) }
                // dscores (T, T) = p ∘ (dp − rowsum(dp ∘ p)), then the 1/√HS of the scores
                softmaxBackwardRows(dp, p, N: T, M: T)
                // dq (T, HS) = scale · dscores · k;  dk (T, HS) = scale · dscoresᵀ · q
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(T), Int32(HS), Int32(T),
                            scale, dp, Int32(T), k, Int32(3 * C), 0, dq, Int32(3 * C))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(T), Int32(HS), Int32(T),
                            scale, dp, Int32(T), q, Int32(3 * C), 0, dk, Int32(3 * C))
            }
        }
        if threads > 1 { setBLASThreads(threads) }
        // dinp (N, C) += dqkv (N, 3C) · W_qkv (3C, C); dW_qkv += dqkvᵀ · inp; db_qkv += Σ dqkv
        matmulBackward(dinp, grads.qkvWeight, grads.qkvBias, dqkv, inp, qkvWeight, N: N, K: C, M: 3 * C)
    }
}
