// Calibration: a model version's per-head temperature and review threshold (calibration.json in the model
// directory), fitted on held-out training rows, and the wrapper that applies it to any model kind.
import Foundation

/// How a review threshold is read off the held-out rows.
public enum ReviewBound: String, Codable, Sendable, CaseIterable {
    /// The held-out precision above the threshold reaches the target (on new rows it lands near the target, either side).
    case estimate
    /// Its one-sided 95 % Wilson lower bound does: the target holds on new rows with about 95 % confidence, for less coverage.
    case lower95 = "lower95"
}

/// The review threshold of one head, derived from an operator's precision target on held-out rows.
public struct ReviewThreshold: Codable, Sendable, Equatable {
    /// The precision the operator asked for on the emails routed without review (for example 0.95).
    public var targetPrecision: Double
    /// Calibrated confidence at or above which the head's prediction is routed without review. Above 1 when the
    /// target cannot be met on the held-out rows: every email is then reviewed.
    public var threshold: Double
    /// On the held-out rows: the share at or above the threshold (routed automatically) and their precision.
    public var coverage: Double
    public var precision: Double
    /// Whether any threshold met the target on the held-out rows.
    public var reachable: Bool
    /// How the target was read (nil in files written before the choice existed: ``ReviewBound/estimate``).
    public var bound: ReviewBound?

    public init(targetPrecision: Double, threshold: Double, coverage: Double, precision: Double, reachable: Bool,
                bound: ReviewBound? = .estimate) {
        self.targetPrecision = targetPrecision; self.threshold = threshold; self.coverage = coverage
        self.precision = precision; self.reachable = reachable; self.bound = bound
    }

    enum CodingKeys: String, CodingKey {
        case threshold, coverage, precision, reachable, bound
        case targetPrecision = "target_precision"
    }

    /// The one-sided 95 % Wilson score lower bound of a precision of `right` out of `covered`.
    public static func wilsonLower95(right: Int, covered: Int) -> Double {
        guard covered > 0 else { return 0 }
        let n = Double(covered), p = Double(right) / n, z = 1.6448536269514722
        return (p + z * z / (2 * n) - z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot()) / (1 + z * z / n)
    }

    /// The threshold "above any confidence" that an unreachable target gets.
    public static let everything = 1.01

    /// The lowest threshold whose covered rows (confidence ≥ threshold) reach `target` precision on these rows,
    /// that is the most coverage at the target. `confidences[i]` is the calibrated confidence of row i's predicted
    /// label and `correct[i]` whether that label was right.
    /// With `bound: .lower95`, the covered rows' Wilson lower bound must reach the target instead of their precision.
    public static func derive(target: Double, confidences: [Double], correct: [Bool],
                              bound: ReviewBound = .estimate) -> ReviewThreshold {
        let curve = PrecisionCoverage.curve(confidences: confidences, correct: correct)
        let n = Double(confidences.count)
        func meets(_ p: CoveragePoint) -> Bool {
            switch bound {
            case .estimate: return p.precision >= target
            case .lower95:
                let covered = Int((p.coverage * n).rounded())
                return wilsonLower95(right: Int((p.precision * Double(covered)).rounded()), covered: covered) >= target
            }
        }
        guard let best = curve.last(where: meets) else {
            return ReviewThreshold(targetPrecision: target, threshold: everything, coverage: 0,
                                   precision: curve.first?.precision ?? 0, reachable: false, bound: bound)
        }
        return ReviewThreshold(targetPrecision: target, threshold: best.threshold, coverage: best.coverage,
                               precision: best.precision, reachable: true, bound: bound)
    }
}

/// One head's calibration: its temperature and what it did on the rows it was fitted on.
public struct HeadCalibration: Codable, Sendable, Equatable {
    /// Logits are divided by this before the softmax (1: unchanged; above 1: softer, below 1: sharper).
    public var temperature: Double
    /// Held-out rows with a label for this head.
    public var rows: Int
    /// Mean negative log-likelihood and expected calibration error before and after, on those rows.
    public var nllBefore: Double
    public var nllAfter: Double
    public var eceBefore: Double
    public var eceAfter: Double
    /// Set when the operator gave a precision target for this head.
    public var review: ReviewThreshold?

    public init(temperature: Double, rows: Int, nllBefore: Double, nllAfter: Double, eceBefore: Double,
                eceAfter: Double, review: ReviewThreshold? = nil) {
        self.temperature = temperature; self.rows = rows; self.nllBefore = nllBefore; self.nllAfter = nllAfter
        self.eceBefore = eceBefore; self.eceAfter = eceAfter; self.review = review
    }

    enum CodingKeys: String, CodingKey {
        case temperature, rows, review
        case nllBefore = "nll_before", nllAfter = "nll_after", eceBefore = "ece_before", eceAfter = "ece_after"
    }

    /// One line for `mailroom train` and `registry show`: temperature, ECE before → after, the review threshold.
    public var summary: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        var line = "temperature \(String(format: "%.2f", temperature)), ECE \(f(eceBefore)) → \(f(eceAfter)) on \(rows) held-out rows"
        if let r = review {
            line += r.reachable
                ? "; review target precision \(r.targetPrecision)\(r.bound == .lower95 ? " (95 % lower bound)" : ""): threshold \(f(r.threshold)), coverage \(f(r.coverage))"
                : "; review target precision \(r.targetPrecision) not reached at any threshold (best \(f(r.precision))): every email will be reviewed"
        }
        return line
    }
}

/// `calibration.json`: what travels with a model version so that its confidences mean what they say.
public struct ModelCalibration: Codable, Sendable, Equatable {
    public static let fileName = "calibration.json"
    /// `temperature` (one scalar per head, fitted by maximum likelihood).
    public var method: String
    /// Which rows it was fitted on, in words (never the validation rows).
    public var fittedOn: String
    public var heads: [String: HeadCalibration]

    public init(method: String = "temperature", fittedOn: String, heads: [String: HeadCalibration]) {
        self.method = method; self.fittedOn = fittedOn; self.heads = heads
    }

    enum CodingKeys: String, CodingKey {
        case method, heads
        case fittedOn = "fitted_on"
    }

    /// Reads `DIR/calibration.json`; nil when the directory has none (an uncalibrated model).
    public static func read(directory: String, heads: [HeadSpec]) throws -> ModelCalibration? {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let c: ModelCalibration
        do { c = try JSONDecoder().decode(ModelCalibration.self, from: data) } catch {
            throw ModelError.badConfig(path: path, reason: JSONL.describe(error))
        }
        let names = Set(heads.map(\.name))
        for (name, h) in c.heads {
            guard names.contains(name) else {
                throw ModelError.badConfig(path: path, reason: "head \(name) is not one of the model's heads \(names.sorted())")
            }
            guard h.temperature.isFinite, h.temperature > 0 else {
                throw ModelError.badConfig(path: path, reason: "head \(name): temperature must be a positive number, got \(h.temperature)")
            }
        }
        return c
    }

    public func write(directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: URL(fileURLWithPath: (directory as NSString).appendingPathComponent(Self.fileName)),
                                       options: .atomic)
    }
}

/// Temperature scaling (Guo et al. 2017): the one scalar T per head that maximises the likelihood of held-out labels
/// under softmax(z / T). It never changes the arg-max, only how sure the model says it is.
public enum TemperatureScaling {
    /// Mean negative log-likelihood of `truth` under softmax(z / temperature).
    public static func nll(logits: [[Float]], truth: [Int], temperature: Double) -> Double {
        guard !logits.isEmpty else { return 0 }
        var total = 0.0
        for (z, y) in zip(logits, truth) {
            let s = z.map { Double($0) / temperature }
            let m = s.max()!
            let lse = m + Foundation.log(s.reduce(0) { $0 + Foundation.exp($1 - m) })
            total += lse - s[y]
        }
        return total / Double(logits.count)
    }

    /// The temperature in [0.05, 20] of least ``nll(logits:truth:temperature:)``: golden-section search on
    /// β = 1/T, where the NLL is convex (a log-sum-exp of lines in β minus a line).
    public static func fit(logits: [[Float]], truth: [Int]) -> Double {
        guard !logits.isEmpty else { return 1 }
        func f(_ beta: Double) -> Double { nll(logits: logits, truth: truth, temperature: 1 / beta) }
        let g = (5.0.squareRoot() - 1) / 2
        var a = 0.05, b = 20.0
        var c = b - g * (b - a), d = a + g * (b - a)
        var fc = f(c), fd = f(d)
        for _ in 0..<80 {
            if fc < fd { b = d; d = c; fd = fc; c = b - g * (b - a); fc = f(c) } else { a = c; c = d; fc = fd; d = a + g * (b - a); fd = f(d) }
        }
        return 1 / ((a + b) / 2)
    }

    /// Fits one head on held-out `logits` with true label indices `truth`; with a precision target, also derives
    /// the review threshold from the calibrated confidences.
    public static func calibrate(logits: [[Float]], truth: [Int], reviewTarget: Double?,
                                 bound: ReviewBound = .estimate) -> HeadCalibration {
        let t = fit(logits: logits, truth: truth)
        func confidences(_ temperature: Double) -> (conf: [Double], correct: [Bool]) {
            var conf: [Double] = [], correct: [Bool] = []
            for (z, y) in zip(logits, truth) {
                let p = softmax(z.map { Float(Double($0) / temperature) })
                var best = 0
                for i in p.indices where p[i] > p[best] { best = i }
                conf.append(Double(p[best])); correct.append(best == y)
            }
            return (conf, correct)
        }
        let before = confidences(1), after = confidences(t)
        return HeadCalibration(
            temperature: t, rows: logits.count,
            nllBefore: nll(logits: logits, truth: truth, temperature: 1), nllAfter: nll(logits: logits, truth: truth, temperature: t),
            eceBefore: Reliability.ece(confidences: before.conf, correct: before.correct),
            eceAfter: Reliability.ece(confidences: after.conf, correct: after.correct),
            review: reviewTarget.map { ReviewThreshold.derive(target: $0, confidences: after.conf, correct: after.correct, bound: bound) })
    }
}

/// Applies a ``ModelCalibration`` to any model kind: the logits stay the model's own, the confidences and review
/// thresholds of ``TextClassifier/prediction(id:output:includeLogits:)`` become calibrated.
public final class CalibratedClassifier: TextClassifier {
    public let base: any TextClassifier
    public let calibration: ModelCalibration?
    public init(_ base: any TextClassifier, calibration: ModelCalibration) { self.base = base; self.calibration = calibration }
    public var kind: String { base.kind }
    public var version: String { base.version }
    public var heads: [HeadSpec] { base.heads }
    public var precision: String? { base.precision }
    public func classify(_ texts: [String]) throws -> [ModelOutput] { try base.classify(texts) }
    public func classify(inputs: [ModelInput]) throws -> [ModelOutput] { try base.classify(inputs: inputs) }
    public func warmUp() throws { try base.warmUp() }
    public func evidence(for input: ModelInput, head: String, label: String, top: Int) -> [EvidenceItem]? {
        base.evidence(for: input, head: head, label: label, top: top)
    }
}
