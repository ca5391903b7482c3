// KernelsBackward: the backward passes of the kernels in Kernels.swift (matmul, LayerNorm, activations, softmax),
// dropout masks and cross-entropy, in llm.c's manner: outputs/gradients first, then inputs and weights, then sizes;
// parameter gradients are ADDED into (`+=`), the trainer zeroes them in one place.
//
// Key: N = rows (tokens or sequences), K = input features, M = output features, C = hidden size.
// Weights stay in PyTorch's (out, in) layout: forward is `out (N, M) = inp (N, K) · W (M, K)ᵀ + b`.
import COpenBLAS
import Foundation

// ----------------------------------------------------------------------------------------------------------------
// Matmul

/// Backward of ``matmulForward`` with a bias:
/// `dinp (N, K) (+)= dout (N, M) · W (M, K)`, `dweight (M, K) += doutᵀ · inp (N, K)`, `dbias (M) += Σₙ dout`.
/// With `accumulateInput` false, `dinp` is overwritten instead of added to. Any gradient may be nil (not needed).
func matmulBackward(_ dinp: FloatPtr?, _ dweight: FloatPtr?, _ dbias: FloatPtr?,
                    _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                    N: Int, K: Int, M: Int, accumulateInput: Bool = true) {
    precondition(N >= 0 && K > 0 && M > 0, "matmul backward with bad sizes N=\(N) K=\(K) M=\(M); this is a bug")
    if N == 0 { return }
    if let dinp {
        // (N, M) · (M, K) → (N, K)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(N), Int32(K), Int32(M),
                    1, dout, Int32(M), weight, Int32(K), accumulateInput ? 1 : 0, dinp, Int32(K))
    }
    if let dweight {
        // (N, M)ᵀ · (N, K) → (M, K)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(M), Int32(K), Int32(N),
                    1, dout, Int32(M), inp, Int32(K), 1, dweight, Int32(K))
    }
    if let dbias { addColumnSums(dbias, dout, N: N, M: M) }
}

/// `acc (M) += Σₙ x (N, M)[n]`.
func addColumnSums(_ acc: FloatPtr, _ x: UnsafePointer<Float>, N: Int, M: Int) {
    for n in 0..<N {
        let row = x + n * M
        var i = 0
        while i + lanes <= M { vstore(vload(acc + i) + vload(row + i), acc + i); i += lanes }
        while i < M { acc[i] += row[i]; i += 1 }
    }
}

/// The plain-loop reference of ``matmulBackward`` (always accumulates into `dinp`).
func matmulBackwardNaive(_ dinp: FloatPtr, _ dweight: FloatPtr, _ dbias: FloatPtr,
                         _ dout: UnsafePointer<Float>, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                         N: Int, K: Int, M: Int) {
    for n in 0..<N {
        for m in 0..<M {
            let d = dout[n * M + m]
            dbias[m] += d
            for k in 0..<K {
                dinp[n * K + k] += d * weight[m * K + k]
                dweight[m * K + k] += d * inp[n * K + k]
            }
        }
    }
}

// ----------------------------------------------------------------------------------------------------------------
// LayerNorm

/// `out (N, C) = LayerNorm(inp) · gamma + beta`, keeping `mean (N)` and `rstd (N)` for the backward pass.
/// The normalisation itself is ``layerNormRow`` (the inference kernel).
func layerNormForward(_ out: FloatPtr, _ mean: FloatPtr, _ rstd: FloatPtr, _ inp: UnsafePointer<Float>,
                      _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>, N: Int, C: Int, eps: Float) {
    for n in 0..<N {
        let x = inp + n * C
        var s: Double = 0, sq: Double = 0
        for i in 0..<C { s += Double(x[i]) }
        let m = s / Double(C)
        for i in 0..<C { let d = Double(x[i]) - m; sq += d * d }
        mean[n] = Float(m)
        rstd[n] = Float(1 / (sq / Double(C) + Double(eps)).squareRoot())
        (out + n * C).update(from: x, count: C)
        layerNormRow(out + n * C, gamma, beta, C: C, eps: eps)
    }
}

/// Backward of ``layerNormForward``: `dinp (N, C) += …`, `dgamma (C) += Σ dout·x̂`, `dbeta (C) += Σ dout`.
func layerNormBackward(_ dinp: FloatPtr, _ dgamma: FloatPtr?, _ dbeta: FloatPtr?, _ dout: UnsafePointer<Float>,
                       _ inp: UnsafePointer<Float>, _ gamma: UnsafePointer<Float>, _ mean: UnsafePointer<Float>,
                       _ rstd: UnsafePointer<Float>, N: Int, C: Int) {
    for n in 0..<N {
        let x = inp + n * C, d = dout + n * C, dx = dinp + n * C
        let m = mean[n], r = rstd[n]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for i in 0..<C {
            let norm = (x[i] - m) * r, dnorm = gamma[i] * d[i]
            dnormMean += dnorm; dnormNormMean += dnorm * norm
        }
        dnormMean /= Float(C); dnormNormMean /= Float(C)
        for i in 0..<C {
            let norm = (x[i] - m) * r, dnorm = gamma[i] * d[i]
            dgamma?[i] += norm * d[i]
            dbeta?[i] += d[i]
            dx[i] += (dnorm - dnormMean - norm * dnormNormMean) * r
        }
    }
}

// ----------------------------------------------------------------------------------------------------------------
// Activations, softmax

/// `dx (N) = dout (N) · act'(pre (N))` where `pre` is the input of the activation; in place when dx == dout.
func activationBackward(_ dx: FloatPtr, _ dout: UnsafePointer<Float>, _ pre: UnsafePointer<Float>, count: Int,
                        activation: Activation) {
    switch activation {
    case .relu:
        for i in 0..<count { dx[i] = pre[i] > 0 ? dout[i] : 0 }
    case .gelu:
        // d/dx [x Φ(x)] = Φ(x) + x φ(x)
        var i = 0
        while i + lanes <= count {
            let x = vload(pre + i)
            let cdf = 0.5 * (1 + erf16(x * 0.70710678118654752))
            let pdf = exp16(-0.5 * x * x) * 0.3989422804014327
            vstore(vload(dout + i) * (cdf + x * pdf), dx + i); i += lanes
        }
        while i < count {
            let x = Double(pre[i])
            let cdf: Double = 0.5 * (1 + erf(x * 0.7071067811865476))
            let pdf: Double = exp(-0.5 * x * x) * 0.3989422804014327
            dx[i] = dout[i] * Float(cdf + x * pdf); i += 1
        }
    case .geluTanh:
        for i in 0..<count {
            let x = pre[i], s: Float = 0.7978845608028654
            let u = s * (x + 0.044715 * x * x * x)
            let t: Float = tanhf(u)
            let du: Float = s * (1 + 3 * 0.044715 * x * x)
            let g: Float = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
            dx[i] = dout[i] * g
        }
    }
}

/// Softmax backward for rows of `probs (N, M)`: `dscores = probs ∘ (dprobs − Σⱼ dprobs·probs)`, in place in dprobs.
func softmaxBackwardRows(_ dprobs: FloatPtr, _ probs: UnsafePointer<Float>, N: Int, M: Int) {
    for n in 0..<N {
        let p = probs + n * M, d = dprobs + n * M
        var dot: Float = 0
        for j in 0..<M { dot += p[j] * d[j] }
        for j in 0..<M { d[j] = p[j] * (d[j] - dot) }
    }
}

// ----------------------------------------------------------------------------------------------------------------
// Dropout

/// Fills `mask (count)` with 0 (probability p) or 1/(1−p), as PyTorch's inverted dropout scales kept values.
func dropoutMask(_ mask: FloatPtr, count: Int, p: Float, rng: inout SplitMix64) {
    let keep = 1 / (1 - p)
    let threshold = UInt64(Double(p) * Double(UInt64(1) << 53))
    for i in 0..<count { mask[i] = (rng.next() >> 11) < threshold ? 0 : keep }
}

/// `x (count) ∘= mask (count)`.
func applyMask(_ x: FloatPtr, _ mask: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + lanes <= count { vstore(vload(x + i) * vload(mask + i), x + i); i += lanes }
    while i < count { x[i] *= mask[i]; i += 1 }
}

// ----------------------------------------------------------------------------------------------------------------
// Loss

/// Cross-entropy of one head over `B` rows, PyTorch's `CrossEntropyLoss(weight:, ignore_index: -1)` with mean
/// reduction: `loss = Σ w[y]·(−log softmax(logits)[y]) / Σ w[y]` over rows whose label is not −1.
/// Writes `dlogits (B, K) = scale · ∂loss/∂logits` (zero rows for ignored labels) and returns the loss (0 when no row
/// has a label). `classWeights` (K) may be nil (all 1).
func crossEntropyForwardBackward(_ dlogits: FloatPtr, _ logits: UnsafePointer<Float>, labels: [Int],
                                 classWeights: [Float]?, scale: Float, B: Int, K: Int) -> Float {
    var total: Double = 0, weightSum: Double = 0
    for b in 0..<B where labels[b] >= 0 { weightSum += Double(classWeights?[labels[b]] ?? 1) }
    for b in 0..<B {
        let row = logits + b * K, d = dlogits + b * K
        let y = labels[b]
        guard y >= 0, weightSum > 0 else { for k in 0..<K { d[k] = 0 }; continue }
        var mx = row[0]
        for k in 1..<K { mx = max(mx, row[k]) }
        var s: Double = 0
        for k in 0..<K { s += exp(Double(row[k] - mx)) }
        let w = Double(classWeights?[y] ?? 1)
        total += w * (log(s) - Double(row[y] - mx))
        let f = w / weightSum * Double(scale)
        for k in 0..<K {
            let p = exp(Double(row[k] - mx)) / s
            d[k] = Float(f * (p - (k == y ? 1 : 0)))
        }
    }
    return weightSum > 0 ? Float(total / weightSum) : 0
}
