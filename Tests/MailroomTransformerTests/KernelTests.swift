// KernelTests: BLAS matmul against the naive loop, and the SIMD exp/erf/GELU against libm.
import Foundation
@testable import MailroomTransformer
import Testing

@Suite struct KernelTests {
    @Test func matmulMatchesNaiveLoop() {
        let (N, K, M) = (7, 33, 19)
        var g = SplitMix64(seed: 3)
        let x = g.uniform(N * K, 1), w = g.uniform(M * K, 1)
        var a = [Float](repeating: 0, count: N * M), b = a
        x.withUnsafeBufferPointer { xp in w.withUnsafeBufferPointer { wp in
            a.withUnsafeMutableBufferPointer { matmulForward($0.baseAddress!, xp.baseAddress!, wp.baseAddress!, N: N, K: K, M: M) }
            b.withUnsafeMutableBufferPointer { matmulForwardNaive($0.baseAddress!, xp.baseAddress!, wp.baseAddress!, N: N, K: K, M: M) }
        } }
        #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 })
    }

    @Test func simdMathMatchesLibm() {
        var worstExp: Float = 0, worstErf: Float = 0
        var x: Float = -20
        while x < 20 {
            var v = Vec(repeating: 0)
            for i in 0..<lanes { v[i] = x + Float(i) * 0.01 }
            let e = exp16(v), r = erf16(v)
            for i in 0..<lanes {
                worstExp = max(worstExp, abs(e[i] - Foundation.exp(v[i])) / Foundation.exp(v[i]))
                worstErf = max(worstErf, abs(r[i] - Foundation.erf(v[i])))
            }
            x += 0.16
        }
        #expect(worstExp < 1e-6, "exp relative error \(worstExp)")
        #expect(worstErf < 1e-6, "erf absolute error \(worstErf)")
    }

    @Test func layerNormAndSoftmax() {
        var row: [Float] = (0..<40).map { Float($0) * 0.3 - 2 }
        let gamma = [Float](repeating: 1, count: 40), beta = [Float](repeating: 0, count: 40)
        row.withUnsafeMutableBufferPointer { layerNormRow($0.baseAddress!, gamma, beta, C: 40, eps: 1e-12) }
        let mean = row.reduce(0, +) / 40, variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 40
        #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-4)
        var s: [Float] = (0..<37).map { Float($0 % 5) }
        s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, N: 1, M: 37, ld: 37) }
        #expect(abs(s.reduce(0, +) - 1) < 1e-5 && abs(s[4] / s[0] - Foundation.exp(4)) < 1e-3)
    }

    /// Rows shorter than one SIMD vector, and vector tails (one masked vector), match the scalar formulas.
    @Test(arguments: [1, 7, 16, 21])
    func rowTailsMatchScalarFormulas(_ M: Int) {
        let raw: [Float] = (0..<M).map { Float($0) * 0.37 - 1.5 }
        var s = raw
        s.withUnsafeMutableBufferPointer { softmaxRows($0.baseAddress!, N: 1, M: M, ld: M) }
        let mx = raw.max()!, e = raw.map { Foundation.exp($0 - mx) }, sum = e.reduce(0, +)
        #expect(maxAbsDiff(s, e.map { $0 / sum }) < 1e-6, "softmax, M = \(M)")
        let bias: [Float] = (0..<M).map { Float($0) * 0.1 }
        var g = raw
        g.withUnsafeMutableBufferPointer { biasActivation($0.baseAddress!, bias, N: 1, M: M, activation: .gelu) }
        let ref = zip(raw, bias).map { x, b in 0.5 * (x + b) * (1 + Foundation.erf((x + b) / Float(2).squareRoot())) }
        #expect(maxAbsDiff(g, ref) < 1e-6, "GELU, M = \(M)")
    }
}
