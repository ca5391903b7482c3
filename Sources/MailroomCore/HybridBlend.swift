// HybridBlend: how the `hybrid` kind combines its linear and transformer parts, per head: a weighted sum of the two
// parts' log-probabilities, each at its own temperature, with the weight chosen on held-out training rows.
import Foundation

/// One head's blend: logits = w · log softmax(z_linear / T_linear) + (1 − w) · log softmax(z_transformer / T_transformer).
///
/// w = 1 is the linear part alone and w = 0 the transformer alone, so the weight chosen on held-out rows is, on
/// those rows, at least as good as the better part.
public struct HeadBlend: Codable, Sendable, Equatable {
    /// w: the linear part's weight in [0, 1].
    public var linearWeight: Double
    public var linearTemperature: Double
    public var transformerTemperature: Double
    /// What the held-out rows said when w was chosen: macro-F1 of the linear part, the transformer and the blend.
    public var heldOutRows: Int
    public var linearMacroF1: Double
    public var transformerMacroF1: Double
    public var blendMacroF1: Double

    public init(linearWeight: Double, linearTemperature: Double = 1, transformerTemperature: Double = 1, heldOutRows: Int = 0,
                linearMacroF1: Double = 0, transformerMacroF1: Double = 0, blendMacroF1: Double = 0) {
        self.linearWeight = linearWeight; self.linearTemperature = linearTemperature
        self.transformerTemperature = transformerTemperature; self.heldOutRows = heldOutRows
        self.linearMacroF1 = linearMacroF1; self.transformerMacroF1 = transformerMacroF1; self.blendMacroF1 = blendMacroF1
    }

    enum CodingKeys: String, CodingKey {
        case linearWeight = "linear_weight", linearTemperature = "linear_temperature"
        case transformerTemperature = "transformer_temperature", heldOutRows = "held_out_rows"
        case linearMacroF1 = "linear_macro_f1", transformerMacroF1 = "transformer_macro_f1", blendMacroF1 = "blend_macro_f1"
    }

    /// The blended logits (log-probabilities) of one email; `linear` and `transformer` in the same label order.
    public func combine(linear: [Float], transformer: [Float]) -> [Float] {
        precondition(linear.count == transformer.count, "HeadBlend: \(linear.count) linear logits but \(transformer.count) transformer logits; this is a bug")
        let a = Self.logSoftmax(linear, temperature: linearTemperature)
        let b = Self.logSoftmax(transformer, temperature: transformerTemperature)
        let w = linearWeight
        return zip(a, b).map { Float(w * $0 + (1 - w) * $1) }
    }

    static func logSoftmax(_ z: [Float], temperature: Double) -> [Double] {
        let s = z.map { Double($0) / temperature }
        guard let m = s.max() else { return [] }
        let lse = m + Foundation.log(s.reduce(0) { $0 + Foundation.exp($1 - m) })
        return s.map { $0 - lse }
    }

    /// The weights tried by ``fit(linear:transformer:truth:classCount:)``: 0, 0.05, …, 1.
    public static let grid: [Double] = (0...20).map { Double($0) / 20 }

    /// Chooses one head's blend on held-out rows the parts were not trained on: each part's temperature by
    /// ``TemperatureScaling/fit(logits:truth:)``, then the grid weight of highest macro-F1 (ties: the lower negative
    /// log-likelihood, then the weight nearer 0.5).
    /// - Parameters: `linear`, `transformer`: per row the parts' logits; `truth`: per row the true label's index.
    public static func fit(linear: [[Float]], transformer: [[Float]], truth: [Int], classCount: Int) -> HeadBlend {
        precondition(linear.count == truth.count && transformer.count == truth.count, "HeadBlend.fit: row counts differ; this is a bug")
        let tl = TemperatureScaling.fit(logits: linear, truth: truth)
        let tt = TemperatureScaling.fit(logits: transformer, truth: truth)
        let a = linear.map { logSoftmax($0, temperature: tl) }, b = transformer.map { logSoftmax($0, temperature: tt) }
        func score(_ w: Double) -> (f1: Double, nll: Double) {
            var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
            var nll = 0.0
            for r in truth.indices {
                let z = zip(a[r], b[r]).map { w * $0 + (1 - w) * $1 }
                var best = 0
                for i in z.indices where z[i] > z[best] { best = i }
                confusion[truth[r]][best] += 1
                let m = z.max()!
                nll += m + Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - m) }) - z[truth[r]]
            }
            let labels = (0..<classCount).map(String.init)
            return (ClassificationMetrics.fromConfusion(confusion, labels: labels).macro.f1, nll / Double(max(1, truth.count)))
        }
        var best = (w: 0.5, f1: -1.0, nll: Double.infinity)
        var ends = (linear: 0.0, transformer: 0.0)
        for w in grid {
            let s = score(w)
            if w == 1 { ends.linear = s.f1 }
            if w == 0 { ends.transformer = s.f1 }
            let better = s.f1 > best.f1 + 1e-12
                || (abs(s.f1 - best.f1) <= 1e-12 && (s.nll < best.nll - 1e-12
                    || (abs(s.nll - best.nll) <= 1e-12 && abs(w - 0.5) < abs(best.w - 0.5))))
            if better { best = (w, s.f1, s.nll) }
        }
        return HeadBlend(linearWeight: best.w, linearTemperature: tl, transformerTemperature: tt, heldOutRows: truth.count,
                         linearMacroF1: ends.linear, transformerMacroF1: ends.transformer, blendMacroF1: best.f1)
    }
}

/// The `hybrid.json` of a hybrid model directory: each head's ``HeadBlend``.
public struct HybridBlend: Codable, Sendable, Equatable {
    public static let fileName = "hybrid.json"
    /// The parts' subdirectories of a hybrid model directory.
    public static let linearPart = "linear", transformerPart = "transformer"

    public var fittedOn: String
    public var heads: [String: HeadBlend]

    public init(fittedOn: String, heads: [String: HeadBlend]) { self.fittedOn = fittedOn; self.heads = heads }

    enum CodingKeys: String, CodingKey { case fittedOn = "fitted_on", heads }

    /// An even blend of every head at temperature 1 (a hybrid written before its blend is fitted).
    public static func even(heads: [HeadSpec]) -> HybridBlend {
        HybridBlend(fittedOn: "not fitted (even blend)", heads: Dictionary(uniqueKeysWithValues: heads.map { ($0.name, HeadBlend(linearWeight: 0.5)) }))
    }

    /// Reads `DIR/hybrid.json`; every head of `heads` must have a blend with a weight in [0, 1] and positive temperatures.
    public static func read(directory: String, heads: [HeadSpec]) throws -> HybridBlend {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError.missingFile(path) }
        let blend: HybridBlend
        do { blend = try JSONDecoder().decode(HybridBlend.self, from: data) } catch {
            throw ModelError.badConfig(path: path, reason: JSONL.describe(error))
        }
        for head in heads {
            guard let h = blend.heads[head.name] else {
                throw ModelError.badConfig(path: path, reason: "no blend for head \(head.name); the model's heads are \(heads.map(\.name).joined(separator: ", "))")
            }
            guard (0...1).contains(h.linearWeight), h.linearTemperature > 0, h.transformerTemperature > 0 else {
                throw ModelError.badConfig(path: path, reason: "head \(head.name): linear_weight must lie in [0, 1] and both temperatures above 0")
            }
        }
        return blend
    }

    public func write(directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory).appendingPathComponent(Self.fileName))
    }
}
