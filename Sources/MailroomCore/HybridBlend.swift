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
    /// The same rows' mean negative log-likelihood of the true label: each part alone (at its temperature) and the blend.
    public var linearLogLoss: Double
    public var transformerLogLoss: Double
    public var blendLogLoss: Double
    /// What chose the weight.
    public var objective: BlendObjective

    public init(linearWeight: Double, linearTemperature: Double = 1, transformerTemperature: Double = 1, heldOutRows: Int = 0,
                linearMacroF1: Double = 0, transformerMacroF1: Double = 0, blendMacroF1: Double = 0,
                linearLogLoss: Double = 0, transformerLogLoss: Double = 0, blendLogLoss: Double = 0,
                objective: BlendObjective = .macroF1) {
        self.linearWeight = linearWeight; self.linearTemperature = linearTemperature
        self.transformerTemperature = transformerTemperature; self.heldOutRows = heldOutRows
        self.linearMacroF1 = linearMacroF1; self.transformerMacroF1 = transformerMacroF1; self.blendMacroF1 = blendMacroF1
        self.linearLogLoss = linearLogLoss; self.transformerLogLoss = transformerLogLoss; self.blendLogLoss = blendLogLoss
        self.objective = objective
    }

    enum CodingKeys: String, CodingKey {
        case linearWeight = "linear_weight", linearTemperature = "linear_temperature"
        case transformerTemperature = "transformer_temperature", heldOutRows = "held_out_rows"
        case linearMacroF1 = "linear_macro_f1", transformerMacroF1 = "transformer_macro_f1", blendMacroF1 = "blend_macro_f1"
        case linearLogLoss = "linear_log_loss", transformerLogLoss = "transformer_log_loss", blendLogLoss = "blend_log_loss"
        case objective
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

    /// The weights tried by ``fit(linear:transformer:truth:classCount:objective:draws:)``: 0, 0.05, …, 1.
    public static let grid: [Double] = (0...20).map { Double($0) / 20 }

    /// Chooses one head's blend on held-out rows the parts were not trained on. Each part's temperature comes from
    /// ``TemperatureScaling/fit(logits:truth:)``; then, by `objective`:
    /// - `.macroF1` (default): the better part alone (w = 1 or 0, by macro-F1, ties to the lower log-loss), unless
    ///   the grid weight of highest macro-F1 beats it on these rows beyond their noise: a paired bootstrap of the
    ///   difference (`draws` resamples of the rows, seeded) must keep its 5th percentile above 0, and the rows the
    ///   two answer differently must favour the blend (one-sided sign test, p < 0.05). Macro-F1 alone
    ///   would follow the noise of a few rows on heads of rare classes; the gate blends only where the rows show it
    ///   pays, and otherwise serves the better part as it is.
    /// - `.logLoss`: the grid weight of least negative log-likelihood (ties to the weight nearer 0.5). Smooth, but
    ///   it favours the part calibrated to the class priors, which costs macro-F1 on imbalanced heads.
    /// - Parameters: `linear`, `transformer`: per row the parts' logits; `truth`: per row the true label's index.
    public static func fit(linear: [[Float]], transformer: [[Float]], truth: [Int], classCount: Int,
                           objective: BlendObjective = .macroF1, draws: Int = 400) -> HeadBlend {
        precondition(linear.count == truth.count && transformer.count == truth.count, "HeadBlend.fit: row counts differ; this is a bug")
        let tl = TemperatureScaling.fit(logits: linear, truth: truth)
        let tt = TemperatureScaling.fit(logits: transformer, truth: truth)
        let a = linear.map { logSoftmax($0, temperature: tl) }, b = transformer.map { logSoftmax($0, temperature: tt) }
        /// Per row the blend's arg-max at weight w, and the mean negative log-likelihood.
        func predict(_ w: Double) -> (labels: [Int], nll: Double) {
            var out = [Int](repeating: 0, count: truth.count), nll = 0.0
            for r in truth.indices {
                let z = zip(a[r], b[r]).map { w * $0 + (1 - w) * $1 }
                var best = 0
                for i in z.indices where z[i] > z[best] { best = i }
                out[r] = best
                let m = z.max()!
                nll += m + Foundation.log(z.reduce(0) { $0 + Foundation.exp($1 - m) }) - z[truth[r]]
            }
            return (out, nll / Double(max(1, truth.count)))
        }
        func macroF1(_ predicted: [Int], rows: [Int]) -> Double {
            ClassificationMetrics.macroF1(truth: truth, predicted: predicted, classCount: classCount, rows: rows)
        }
        let all = Array(truth.indices)
        let scored = grid.map { w -> (w: Double, labels: [Int], f1: Double, nll: Double) in
            let p = predict(w)
            return (w, p.labels, macroF1(p.labels, rows: all), p.nll)
        }
        let linearEnd = scored.last!, transformerEnd = scored.first!
        func pick(_ better: (Double, Double, Double, Double) -> Bool) -> Int {   // (f1, nll) of candidate vs best
            var best = 0
            for i in scored.indices.dropFirst() where better(scored[i].f1, scored[i].nll, scored[best].f1, scored[best].nll)
                || (abs(scored[i].f1 - scored[best].f1) <= 1e-12 && abs(scored[i].nll - scored[best].nll) <= 1e-12
                    && abs(scored[i].w - 0.5) < abs(scored[best].w - 0.5)) { best = i }
            return best
        }
        let chosen: Int
        switch objective {
        case .logLoss:
            chosen = pick { _, nll, _, bestNLL in nll < bestNLL - 1e-12 }
        case .macroF1:
            let f1First: (Double, Double, Double, Double) -> Bool = { f1, nll, bestF1, bestNLL in
                f1 > bestF1 + 1e-12 || (abs(f1 - bestF1) <= 1e-12 && nll < bestNLL - 1e-12)
            }
            let end = f1First(linearEnd.f1, linearEnd.nll, transformerEnd.f1, transformerEnd.nll) ? scored.count - 1 : 0
            let top = pick(f1First)
            if top == end || scored[top].f1 <= scored[end].f1 + 1e-12 {
                chosen = end
            } else {
                // Paired bootstrap on these rows: the same resampled rows score both weights.
                var g = SeededGenerator(seed: 0x5EED_B1E4D)
                var gains: [Double] = []
                for _ in 0..<max(1, draws) {
                    let rows = (0..<truth.count).map { _ in Int.random(in: 0..<truth.count, using: &g) }
                    gains.append(macroF1(scored[top].labels, rows: rows) - macroF1(scored[end].labels, rows: rows))
                }
                gains.sort()
                // A gain carried by a handful of rows resamples as positive nearly always; the rows on which the two
                // disagree must also favour the blend (one-sided sign test on right/wrong, p < 0.05).
                var blendOnly = 0, partOnly = 0
                for r in truth.indices {
                    let blendRight = scored[top].labels[r] == truth[r], partRight = scored[end].labels[r] == truth[r]
                    if blendRight && !partRight { blendOnly += 1 } else if partRight && !blendRight { partOnly += 1 }
                }
                chosen = gains[gains.count / 20] > 0 && Self.signTestP(wins: blendOnly, losses: partOnly) < 0.05 ? top : end
            }
        }
        let c = scored[chosen]
        return HeadBlend(linearWeight: c.w, linearTemperature: tl, transformerTemperature: tt, heldOutRows: truth.count,
                         linearMacroF1: linearEnd.f1, transformerMacroF1: transformerEnd.f1, blendMacroF1: c.f1,
                         linearLogLoss: linearEnd.nll, transformerLogLoss: transformerEnd.nll, blendLogLoss: c.nll,
                         objective: objective)
    }
}

extension HeadBlend {
    /// One-sided exact sign test: the chance of at least `wins` of `wins + losses` fair coin flips.
    public static func signTestP(wins: Int, losses: Int) -> Double {
        let n = wins + losses
        guard n > 0 else { return 1 }
        func logChoose(_ k: Int) -> Double { lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1)) }
        return min(1, (wins...n).reduce(0.0) { $0 + exp(logChoose($1) - Double(n) * log(2.0)) })
    }
}

/// What ``HeadBlend/fit(linear:transformer:truth:classCount:objective:draws:)`` minimises or maximises on the held-out rows.
public enum BlendObjective: String, Codable, Sendable, CaseIterable {
    /// Macro-F1 of the arg-max labels, blending only where the held-out rows show it beyond their noise (default).
    case macroF1 = "macro-f1"
    /// The mean negative log-likelihood of the true labels.
    case logLoss = "log-loss"
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
