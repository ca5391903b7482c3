// QuantizedKernelTests: Mailroom's int8 and bf16 GEMM kernels against the plain-C reference on random shapes (odd
// sizes, sub-ranges, strides, accumulate), every path this CPU supports forced in turn; and the quantized encoder
// against fp32 on the parity fixtures.
import Foundation
import MailroomCore
@testable import MailroomTransformer
import Testing

@Suite struct QuantizedKernelTests {
    /// (N, K, M, output rows) with odd sizes, a K below one packing group, and unaligned sub-ranges.
    static let shapes: [(Int, Int, Int, Range<Int>?)] = [
        (1, 1, 1, nil), (3, 5, 7, nil), (17, 100, 33, 16..<33), (33, 64, 16, nil), (40, 130, 70, 5..<61),
        (129, 768, 96, nil), (5, 3072, 48, nil), (300, 96, 1152, 384..<1152), (16, 96, 48, 0..<17),
    ]

    static var int8Paths: [KernelPath] { KernelPath.supported.filter { $0.precision == .int8 && $0 != .reference } }
    static var bf16Paths: [KernelPath] { KernelPath.supported.filter { $0.precision == .bf16 } }

    struct Case {
        var x: [Float], w: [Float]
        init(N: Int, K: Int, M: Int, seed: UInt64) {
            var rng = SplitMix64(seed: seed)
            func r() -> Float { Float(rng.next() % 2_000_001) / 1_000_000 - 1 }
            x = (0..<(N * K)).map { _ in 3 * r() }
            // A few large activations, as BERT's outlier channels have.
            for i in stride(from: 0, to: x.count, by: 97) { x[i] *= 20 }
            w = (0..<(M * K)).map { _ in 0.05 * r() }
        }
    }

    /// out (N, ldOut) after `packed.forward` into an output pre-filled with a pattern (to check accumulate and
    /// that columns outside `rows` are untouched).
    static func run(_ p: PackedLinear, _ c: Case, N: Int, K: Int, M: Int, rows: Range<Int>?, accumulate: Bool,
                    threads: Int) -> [Float] {
        let ldIn = K + 3, ldOut = M + 5
        var inp = [Float](repeating: 0, count: N * ldIn)
        for n in 0..<N { for k in 0..<K { inp[n * ldIn + k] = c.x[n * K + k] } }
        var out = (0..<(N * ldOut)).map { Float($0 % 7) }
        inp.withUnsafeBufferPointer { i in
            out.withUnsafeMutableBufferPointer { o in
                p.forward(o.baseAddress!, i.baseAddress!, N: N, ldIn: ldIn, ldOut: ldOut, accumulate: accumulate,
                          rows: rows, threads: threads)
            }
        }
        return out
    }

    @Test(arguments: [Precision.int8, .bf16])
    func everyPathMatchesTheReference(_ precision: Precision) throws {
        let paths = precision == .int8 ? Self.int8Paths : Self.bf16Paths
        print("\(precision) paths on this CPU: \(paths.map(\.rawValue)) (reference always)")
        for (i, (N, K, M, rows)) in Self.shapes.enumerated() {
            let c = Case(N: N, K: K, M: M, seed: UInt64(i + 1))
            for accumulate in [false, true] {
                // The reference computes the same integers (int8, with the path's weight range) or the same bf16
                // products (bf16) in plain C.
                func reference(weightMax: Int) -> [Float] {
                    c.w.withUnsafeBufferPointer { w in
                        let p = PackedLinear(weight: w.baseAddress!, M: M, K: K, path: .reference, precision: precision,
                                             weightMax: weightMax)
                        return Self.run(p, c, N: N, K: K, M: M, rows: rows, accumulate: accumulate, threads: 1)
                    }
                }
                let refs = Dictionary(uniqueKeysWithValues: Set(paths.map(\.weightMax)).map { ($0, reference(weightMax: $0)) })
                for path in paths {
                    let ref = refs[path.weightMax]!
                    for threads in [1, 2] {
                        let got: [Float] = c.w.withUnsafeBufferPointer { w in
                            let p = PackedLinear(weight: w.baseAddress!, M: M, K: K, path: path)
                            return Self.run(p, c, N: N, K: K, M: M, rows: rows, accumulate: accumulate, threads: threads)
                        }
                        let scale = max(1, ref.map(abs).max() ?? 1)
                        let d = maxAbsDiff(got, ref)
                        // int8: identical integers, so only the fp32 epilogue's rounding differs; bf16: fp32 sums
                        // of the same products in another order.
                        let bound: Float = precision == .int8 ? 1e-5 * scale : 1e-4 * scale * Float(K).squareRoot()
                        #expect(d <= bound, "\(path) N=\(N) K=\(K) M=\(M) rows=\(String(describing: rows)) accumulate=\(accumulate) threads=\(threads): max |Δ| = \(d)")
                    }
                }
            }
        }
    }

    /// Columns outside the asked rows keep their values; the quantized product is close to the fp32 one.
    @Test func subRangeOnlyAndCloseToFP32() throws {
        let (N, K, M) = (9, 200, 70), rows = 5..<61
        let c = Case(N: N, K: K, M: M, seed: 42)
        let path = Self.int8Paths.first ?? .reference
        let got: [Float] = c.w.withUnsafeBufferPointer { w in
            let p = PackedLinear(weight: w.baseAddress!, M: M, K: K, path: path, precision: .int8)
            return Self.run(p, c, N: N, K: K, M: M, rows: rows, accumulate: false, threads: 2)
        }
        let ldOut = M + 5
        var worst: Float = 0, largest: Float = 0
        for n in 0..<N {
            for m in 0..<ldOut {
                let v = got[n * ldOut + m]
                if rows.contains(m) {
                    var exact: Float = 0
                    for k in 0..<K { exact += c.x[n * K + k] * c.w[m * K + k] }
                    worst = max(worst, abs(v - exact)); largest = max(largest, abs(exact))
                } else {
                    #expect(v == Float((n * ldOut + m) % 7), "column \(m) outside \(rows) was written")
                }
            }
        }
        #expect(worst <= 0.03 * largest, "int8 (\(path)) vs fp32: max |Δ| \(worst), largest |value| \(largest)")
    }

    /// Weights quantize per output channel: the largest |w| of each row maps to ±127 and back within half a step.
    @Test func perChannelWeights() {
        let w: [Float] = [0.5, -1, 0.25, 0, 0, 0, 100, 3]
        let q3 = w.withUnsafeBufferPointer { Int8Weight(quantizing: $0.baseAddress!, M: 4, K: 2) }
        #expect(q3.values == [64, -127, 127, 0, 0, 0, 127, 4])
        #expect(q3.scales[0] == 1 / 127 && q3.scales[2] == 1 && q3.scales[3] == 100 / 127)
    }

    /// The quantized encoder against fp32 on the parity fixtures: logit error bounded, same arg-max labels.
    @Test(arguments: TransformerParityTests.models, [Precision.int8, .bf16])
    func quantizedLogitsStayCloseToFP32(_ name: String, _ precision: Precision) throws {
        let dir = ModelFixture.root + "/" + name
        let f = try ModelFixture.read(dir)
        let fp32 = try TransformerClassifier.load(directory: dir, threads: 2)
        let narrow = try TransformerClassifier.load(directory: dir, threads: 2, precision: precision)
        if try KernelPath.chosen(for: precision) == nil {
            #expect(narrow.precision == "fp32", "no \(precision) kernel here: the model must say it runs fp32")
            return
        }
        #expect(narrow.precision == precision.rawValue)
        #expect(narrow.encoder.quantization.narrowLayers == narrow.encoder.linearNames.count)
        let a = try fp32.classify(f.texts), b = try narrow.classify(f.texts)
        var worst: Float = 0, range: Float = 0, flips = 0, total = 0
        for (x, y) in zip(a, b) {
            for head in fp32.heads {
                let zx = x.logits[head.name]!, zy = y.logits[head.name]!
                worst = max(worst, maxAbsDiff(zx, zy)); range = max(range, (zx.max()! - zx.min()!))
                let ax = zx.indices.max { zx[$0] < zx[$1] }!, ay = zy.indices.max { zy[$0] < zy[$1] }!
                // Reported, not asserted: the fixtures' random heads have near-tied labels.
                total += 1
                if ax != ay { flips += 1 }
            }
        }
        print("\(name) \(precision): max |logit - fp32| = \(worst) (fp32 logit range \(range)), arg-max flips \(flips) of \(total)")
        #expect(worst <= 0.1 * max(range, 0.05), "\(name) \(precision): max |Δlogit| \(worst) against a range of \(range)")
    }

    /// Prediction records the precision; an unknown layer in a plan is refused by name; MAILROOM_KERNEL is checked.
    @Test func precisionIsRecordedAndPlansAreChecked() throws {
        let dir = ModelFixture.root + "/distilbert-cased"
        let model = try TransformerClassifier.load(directory: dir, threads: 1, precision: .int8)
        let out = try model.classify(["Bitte um Rückruf"])[0]
        let p = model.prediction(id: "x", output: out)
        #expect(p.precision == model.precision && p.precision != nil)
        // A calibrated model (what ModelLoader serves) records the base model's precision too.
        let calibrated = CalibratedClassifier(model, calibration: ModelCalibration(fittedOn: "test", heads: [:]))
        #expect(calibrated.prediction(id: "x", output: out).precision == model.precision)
        #expect(throws: TransformerError.self) { try model.encoder.apply(QuantizationPlan(precision: .int8, fp32Layers: ["nope.layer"])) }
        let names = model.encoder.linearNames
        #expect(names.count == 4 * model.encoder.config.numLayers && names[0].hasSuffix("attention.qkv"))
        try model.encoder.apply(QuantizationPlan(precision: .int8, fp32Layers: [names[0]]))
        if try KernelPath.chosen(for: .int8) != nil { #expect(model.encoder.quantization.narrowLayers == names.count - 1) }
        #expect(throws: TransformerError.self) { try KernelPath.chosen(for: .int8, environment: ["MAILROOM_KERNEL": "avx9000"]) }
        #expect(throws: TransformerError.self) { try KernelPath.chosen(for: .int8, environment: ["MAILROOM_KERNEL": "amx-bf16"]) }
    }
}
