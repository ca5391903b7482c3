// ElementwiseKernelTests: the C elementwise passes (bias + GELU, row softmax) at every vector width this CPU has,
// against double-precision formulas, on odd row lengths (tails) and rows with large and tiny values.
import CMailroomKernels
import Foundation
@testable import MailroomTransformer
import Testing

@Suite struct ElementwiseKernelTests {
    /// 16 (AVX-512), 8 (AVX2 + FMA) and 1 (plain C), those this CPU has.
    static var widths: [Int32] { [16, 8, 1].filter { $0 <= mr_vector_width() } }

    static func values(_ count: Int, seed: UInt64, scale: Float) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (Float(rng.next() % 2_000_001) / 1_000_000 - 1) * scale }
    }

    @Test(arguments: [1, 7, 16, 33, 768, 3075])
    func geluMatchesTheErfFormula(_ M: Int) {
        let N = 3
        let x = Self.values(N * M, seed: UInt64(M), scale: 6), bias = Self.values(M, seed: 99, scale: 1)
        print("elementwise widths on this CPU: \(Self.widths)")
        for width in Self.widths {
            for useBias in [false, true] {
                var got = x
                bias.withUnsafeBufferPointer { b in
                    mr_bias_gelu_rows(&got, useBias ? b.baseAddress : nil, Int32(N), Int32(M), width)
                }
                var worst = 0.0
                for i in 0..<(N * M) {
                    let v = Double(x[i]) + (useBias ? Double(bias[i % M]) : 0)
                    let want = 0.5 * v * (1 + erf(v / 2.0.squareRoot()))
                    worst = max(worst, abs(Double(got[i]) - want) / max(1, abs(want)))
                }
                #expect(worst < 2e-6, "width \(width) M=\(M) bias=\(useBias): relative error \(worst)")
            }
        }
    }

    @Test(arguments: [1, 5, 16, 17, 128, 257])
    func softmaxMatchesTheDoubleFormula(_ M: Int) {
        let N = 4, ld = M + 3
        var x = Self.values(N * ld, seed: UInt64(M) + 7, scale: 30)
        x[0] = 80  // a large score: the max subtraction keeps exp in range
        for width in Self.widths {
            var got = x
            mr_softmax_rows(&got, Int32(N), Int32(M), Int32(ld), width)
            for n in 0..<N {
                let row = (0..<M).map { Double(x[n * ld + $0]) }, m = row.max()!
                let e = row.map { exp($0 - m) }, s = e.reduce(0, +)
                var worst = 0.0, sum = 0.0
                for j in 0..<M {
                    worst = max(worst, abs(Double(got[n * ld + j]) - e[j] / s)); sum += Double(got[n * ld + j])
                }
                #expect(worst < 1e-6 && abs(sum - 1) < 1e-5, "width \(width) M=\(M) row \(n): max |Δ| \(worst), sum \(sum)")
                for j in M..<ld { #expect(got[n * ld + j] == x[n * ld + j], "width \(width): padding column \(j) was written") }
            }
        }
    }
}
