// Attention+Backward: the backward pass of ``Attention``'s training forward (Attention+Training.swift), batched per
// (sequence, head) with sgemm.
//
// Key: N = tokens in the packed batch, B = sequences, T = one sequence's length, C = hidden size, NH = heads,
// HS = head size, PS = Σₛ NH·Tₛ² probabilities of the batch (sequence s's block starts at probOffsets[s]).
import COpenBLAS

extension Attention {
    /// Backward of ``forwardForTraining(att:qkv:probs:probMask:_:offsets:probOffsets:scratch:Tmax:threads:)``:
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
                let used = droppedOut(p, mask: maskP.map { $0.p + probOffsets[s] + h * T * T }, scratch: dropped,
                                      count: T * T)
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
