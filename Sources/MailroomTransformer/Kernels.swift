// Kernels: the numeric building blocks of the encoder: BLAS matmul (and its naive loop reference), fused
// bias+GELU, residual+bias+LayerNorm, row softmax, and SIMD exp/erf.
//
// Key: N = tokens in the packed batch, K = input features, M = output features, C = hidden size.
// Weights stay in PyTorch's (out, in) layout, so every Linear is `out (N, M) = in (N, K) · W (M, K)ᵀ`.
import CMailroomKernels
import COpenBLAS
import Foundation

typealias FloatPtr = UnsafeMutablePointer<Float>
typealias Vec = SIMD16<Float>
let lanes = Vec.scalarCount

// ----------------------------------------------------------------------------------------------------------------
// Matmul

/// `out (N, M) = inp (N, K) · weight (M, K)ᵀ` with OpenBLAS; with `accumulate`, `out += …` (this is how biases
/// and residuals are fused: `out` already holds them). `ldOut`/`ldIn` default to M/K (row strides).
@inline(__always)
func matmulForward(_ out: FloatPtr, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                   N: Int, K: Int, M: Int, ldIn: Int? = nil, ldOut: Int? = nil, accumulate: Bool = false) {
    precondition(N >= 0 && K > 0 && M > 0, "matmul with bad sizes N=\(N) K=\(K) M=\(M); this is a bug")
    if N == 0 { return }
    // (N, K) · (M, K)ᵀ → (N, M)
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(N), Int32(M), Int32(K),
                1, inp, Int32(ldIn ?? K), weight, Int32(K), accumulate ? 1 : 0, out, Int32(ldOut ?? M))
}

/// Each row of `x (N, M)` (row stride `ld`) ← `bias (M)`: the start value of a bias-fused ``matmulForward``.
func fillRows(_ x: FloatPtr, _ bias: UnsafePointer<Float>, N: Int, M: Int, ld: Int? = nil) {
    for n in 0..<N { (x + n * (ld ?? M)).update(from: bias, count: M) }
}

/// The plain-loop reference of ``matmulForward`` (tests compare the two; also the fallback for tiny shapes).
func matmulForwardNaive(_ out: FloatPtr, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>,
                        N: Int, K: Int, M: Int) {
    for n in 0..<N {
        for m in 0..<M {
            var s: Float = 0
            for k in 0..<K { s += inp[n * K + k] * weight[m * K + k] }
            out[n * M + m] = s
        }
    }
}

// ----------------------------------------------------------------------------------------------------------------
// Elementwise epilogues

/// `x (N, M) += bias (M)` for each row; `ld` is the row stride.
func addBias(_ x: FloatPtr, _ bias: UnsafePointer<Float>, N: Int, M: Int, ld: Int? = nil) {
    let ld = ld ?? M
    for n in 0..<N {
        let row = x + n * ld
        var i = 0
        while i + lanes <= M { vstore(vload(row + i) + vload(bias + i), row + i); i += lanes }
        while i < M { row[i] += bias[i]; i += 1 }
    }
}

/// `x (count) += y (count)`.
func addInto(_ x: FloatPtr, _ y: UnsafePointer<Float>, count: Int) {
    var i = 0
    while i + lanes <= count { vstore(vload(x + i) + vload(y + i), x + i); i += lanes }
    while i < count { x[i] += y[i]; i += 1 }
}

/// `x (N, M) = act(x + bias)`, in place (bias nil: `act(x)`); the epilogue of the first feed-forward Linear.
func biasActivation(_ x: FloatPtr, _ bias: UnsafePointer<Float>?, N: Int, M: Int, activation: Activation) {
    if activation == .gelu {  // the biggest elementwise pass: in C on the CPU's widest vectors (elementwise.c)
        mr_bias_gelu_rows(x, bias, Int32(N), Int32(M), 0)
        return
    }
    for n in 0..<N {
        let row = x + n * M
        var i = 0
        if let bias {
            while i + lanes <= M { vstore(activate(vload(row + i) + vload(bias + i), activation), row + i); i += lanes }
        } else {
            while i + lanes <= M { vstore(activate(vload(row + i), activation), row + i); i += lanes }
        }
        // The tail (< lanes) as one vector, not one 16-lane activation per element.
        let tail = M - i
        if tail > 0 {
            let b = bias.map { vloadTail($0 + i, count: tail, fill: 0) } ?? Vec(repeating: 0)
            vstoreTail(activate(vloadTail(row + i, count: tail, fill: 0) + b, activation), row + i, count: tail)
        }
    }
}

@inline(__always) func activate(_ v: Vec, _ a: Activation) -> Vec {
    switch a {
    case .gelu: preconditionFailure("GELU runs in C (mr_bias_gelu_rows, from biasActivation); this is a bug")
    case .geluTanh:
        let u = 0.7978845608028654 * (v + 0.044715 * v * v * v)
        return 0.5 * v * (1 + tanh16(u))
    case .relu: return v.replacing(with: 0, where: v .< 0)
    }
}

/// `x (N, C) = LayerNorm(x + y + bias) * gamma + beta`, row by row: the residual add fused with the layer norm.
/// `y` and `bias` may be nil.
func residualLayerNorm(_ x: FloatPtr, _ y: UnsafePointer<Float>?, _ bias: UnsafePointer<Float>?,
                       _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>, N: Int, C: Int, eps: Float) {
    for n in 0..<N {
        let row = x + n * C
        if let y {
            let yr = y + n * C
            var i = 0
            if let bias {
                while i + lanes <= C { vstore(vload(row + i) + vload(yr + i) + vload(bias + i), row + i); i += lanes }
                while i < C { row[i] += yr[i] + bias[i]; i += 1 }
            } else {
                while i + lanes <= C { vstore(vload(row + i) + vload(yr + i), row + i); i += lanes }
                while i < C { row[i] += yr[i]; i += 1 }
            }
        } else if let bias {
            var i = 0
            while i + lanes <= C { vstore(vload(row + i) + vload(bias + i), row + i); i += lanes }
            while i < C { row[i] += bias[i]; i += 1 }
        }
        layerNormRow(row, gamma, beta, C: C, eps: eps)
    }
}

/// One row: `(x - mean) / sqrt(var + eps) * gamma + beta` with the biased variance, as PyTorch computes it.
@inline(__always) func layerNormRow(_ row: FloatPtr, _ gamma: UnsafePointer<Float>, _ beta: UnsafePointer<Float>,
                                    C: Int, eps: Float) {
    var acc = Vec(repeating: 0)
    var i = 0
    while i + lanes <= C { acc += vload(row + i); i += lanes }
    var sum = acc.sum()
    while i < C { sum += row[i]; i += 1 }
    let mean = sum / Float(C)
    let m = Vec(repeating: mean)
    acc = Vec(repeating: 0); i = 0
    while i + lanes <= C { let d = vload(row + i) - m; acc += d * d; i += lanes }
    var sq = acc.sum()
    while i < C { let d = row[i] - mean; sq += d * d; i += 1 }
    let rstd = 1 / (sq / Float(C) + eps).squareRoot()
    let r = Vec(repeating: rstd)
    i = 0
    while i + lanes <= C { vstore((vload(row + i) - m) * r * vload(gamma + i) + vload(beta + i), row + i); i += lanes }
    while i < C { row[i] = (row[i] - mean) * rstd * gamma[i] + beta[i]; i += 1 }
}

/// Softmax of each of the `N` rows of `x (N, M)` (row stride `ld`), in place.
func softmaxRows(_ x: FloatPtr, N: Int, M: Int, ld: Int) {
    // In C (CMailroomKernels/elementwise.c) on the CPU's widest vectors: Swift's SIMD16 compiles to 4-lane SSE here.
    mr_softmax_rows(x, Int32(N), Int32(M), Int32(ld), 0)
}

// ----------------------------------------------------------------------------------------------------------------
// SIMD helpers and math

@inline(__always) func vload(_ p: UnsafePointer<Float>) -> Vec {
    UnsafeRawPointer(p).loadUnaligned(as: Vec.self)
}
@inline(__always) func vload(_ p: FloatPtr) -> Vec { vload(UnsafePointer(p)) }
@inline(__always) func vstore(_ v: Vec, _ p: FloatPtr) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vec.self) }

/// The `count` (< lanes) floats at `p` in the first lanes, `fill` in the rest: a row's tail as one vector.
@inline(__always) func vloadTail(_ p: UnsafePointer<Float>, count: Int, fill: Float) -> Vec {
    precondition(count >= 0 && count < lanes, "a tail of \(count) floats; this is a bug")
    var v = Vec(repeating: fill)
    withUnsafeMutableBytes(of: &v) {
        $0.baseAddress!.copyMemory(from: p, byteCount: count * MemoryLayout<Float>.stride)
    }
    return v
}

/// Stores the first `count` (< lanes) lanes of `v` at `p`.
@inline(__always) func vstoreTail(_ v: Vec, _ p: FloatPtr, count: Int) {
    precondition(count >= 0 && count < lanes, "a tail of \(count) floats; this is a bug")
    withUnsafeBytes(of: v) {
        UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: count * MemoryLayout<Float>.stride)
    }
}

/// Lane-wise min(max(x, lo), hi) as compare + select (the stdlib's `clamped` checks lanes one by one).
@inline(__always) func clamp(_ x: Vec, _ lo: Float, _ hi: Float) -> Vec {
    let l = Vec(repeating: lo), h = Vec(repeating: hi)
    let y = x.replacing(with: l, where: x .< l)
    return y.replacing(with: h, where: y .> h)
}

/// e^x per lane (Cephes `expf` range reduction and polynomial; ~1 ulp for x in [-87, 88]).
@inline(__always) func exp16(_ x: Vec) -> Vec {
    let x = clamp(x, -87.3, 88.3)
    // n = round(x / ln 2), with the 1.5·2²³ trick so no lane-wise rounding call is needed.
    let magic = Vec(repeating: 12582912)
    let t = x * 1.44269504088896341 + magic
    let n = t - magic
    let r = x - n * 0.693359375 + n * 2.12194440e-4
    var p = Vec(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * r * r + r + 1
    // 2ⁿ from the low bits of t (they hold n after adding the magic constant).
    let ni = unsafeBitCast(t, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
    let scale = unsafeBitCast((ni &+ 127) &<< 23, to: Vec.self)
    return y * scale
}

/// erf(x) per lane: a rational approximation on [-4, 4] (float erf is ±1 outside), max error ~2e-7.
@inline(__always) func erf16(_ a: Vec) -> Vec {
    let x = clamp(a, -4, 4)
    let x2 = x * x
    var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
    p = x2 * p + -2.10102402082508e-06
    p = x2 * p + -5.69250639462346e-05
    p = x2 * p + -7.34990630326855e-04
    p = x2 * p + -2.95459980854025e-03
    p = x2 * p + -1.60960333262415e-02
    p = x * p
    var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
    q = x2 * q + -1.68282697438203e-03
    q = x2 * q + -7.37332916720468e-03
    q = x2 * q + -1.42647390514189e-02
    return p / q
}

/// tanh(x) per lane via exp: `1 - 2 / (e^{2x} + 1)`.
@inline(__always) func tanh16(_ x: Vec) -> Vec {
    1 - 2 / (exp16(2 * x) + 1)
}

// ----------------------------------------------------------------------------------------------------------------
// Threads

/// A raw pointer handed to worker threads that write disjoint rows.
struct SendablePointer<T>: @unchecked Sendable {
    let p: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { self.p = p }
}

/// Sets the number of OpenBLAS threads (process-wide).
func setBLASThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

/// Runs `body` on `count` items split into up to `threads` contiguous chunks, in parallel.
func parallelChunks(_ count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
    parallelParts(count, threads: threads) { _, r in body(r) }
}

/// Like ``parallelChunks(_:threads:_:)``, also passing the chunk's index (0..<threads) for per-worker scratch.
func parallelParts(_ count: Int, threads: Int, _ body: @Sendable (Int, Range<Int>) -> Void) {
    let parts = min(max(1, threads), count)
    if parts <= 1 { body(0, 0..<count); return }
    DispatchQueue.concurrentPerform(iterations: parts) { p in
        body(p, (count * p / parts)..<(count * (p + 1) / parts))
    }
}
