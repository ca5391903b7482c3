// CalibrationTests: temperature scaling recovers a known temperature, the calibration error and the precision /
// coverage curve are exact on hand-made rows, review thresholds meet their target, and a calibrated model's
// predictions carry the temperature's confidences and the threshold.
import Foundation
import MailroomCore
import Testing

@Suite struct CalibrationTests {
    /// Logits whose labels are drawn from softmax(z / trueTemperature): a model that reports z is miscalibrated by
    /// exactly that temperature.
    static func draws(count: Int, classes: Int, trueTemperature: Double, seed: UInt64) -> (logits: [[Float]], truth: [Int]) {
        var rng = SeededGenerator(seed: seed)
        var logits: [[Float]] = [], truth: [Int] = []
        for _ in 0..<count {
            let z = (0..<classes).map { _ in Float(Double.random(in: -3...3, using: &rng)) }
            let p = softmax(z.map { Float(Double($0) / trueTemperature) })
            var u = Float.random(in: 0..<1, using: &rng), y = classes - 1
            for (i, pi) in p.enumerated() { if u < pi { y = i; break }; u -= pi }
            logits.append(z); truth.append(y)
        }
        return (logits, truth)
    }

    @Test(arguments: [0.5, 1.0, 2.5])
    func temperatureScalingRecoversTheTemperatureThatGeneratedTheLabels(t: Double) {
        let d = Self.draws(count: 6000, classes: 5, trueTemperature: t, seed: 11)
        let fitted = TemperatureScaling.fit(logits: d.logits, truth: d.truth)
        #expect(abs(fitted - t) / t < 0.08, "fitted \(fitted) for a true temperature of \(t)")
        let c = TemperatureScaling.calibrate(logits: d.logits, truth: d.truth, reviewTarget: nil)
        #expect(c.nllAfter <= c.nllBefore + 1e-9)
        if t != 1 { #expect(c.eceAfter < c.eceBefore, "ECE \(c.eceBefore) → \(c.eceAfter)") }
        #expect(c.eceAfter < 0.03 && c.rows == 6000)
    }

    @Test func expectedCalibrationErrorOnHandMadeRows() {
        // One bin: confidence 0.9, accuracy 0.75.
        #expect(abs(Reliability.ece(confidences: [0.9, 0.9, 0.9, 0.9], correct: [true, true, true, false]) - 0.15) < 1e-12)
        // Two bins, weighted by their rows: |1 − 0.95|·2/4 + |0 − 0.55|·2/4.
        let ece = Reliability.ece(confidences: [0.95, 0.95, 0.55, 0.55], correct: [true, true, false, false])
        #expect(abs(ece - (0.05 * 0.5 + 0.55 * 0.5)) < 1e-12)
        let bins = Reliability.bins(confidences: [0.95, 0.95, 0.55, 0.55], correct: [true, true, false, false])
        #expect(bins.map(\.count) == [2, 2] && bins.map(\.accuracy) == [0, 1])
        #expect(Reliability.ece(confidences: [], correct: []) == 0)
        #expect(Reliability.bins(confidences: [1.0], correct: [true]).first?.upper == 1, "confidence 1 falls in the last bin")
    }

    @Test func precisionCoverageCurveAndReviewThresholds() {
        let conf = [0.99, 0.95, 0.9, 0.9, 0.8, 0.6], ok = [true, true, true, false, true, false]
        let curve = PrecisionCoverage.curve(confidences: conf, correct: ok)
        #expect(curve.map(\.threshold) == [0.99, 0.95, 0.9, 0.8, 0.6], "tied confidences make one point")
        #expect(curve.map(\.coverage) == [1, 2, 4, 5, 6].map { Double($0) / 6 })
        #expect(curve.map(\.precision) == [1, 1, 0.75, 0.8, 4.0 / 6])

        let at80 = ReviewThreshold.derive(target: 0.8, confidences: conf, correct: ok)
        #expect(at80.reachable && at80.threshold == 0.8 && at80.coverage == 5.0 / 6 && at80.precision == 0.8,
                "the lowest threshold that still reaches the target, though a higher one (0.9) misses it")
        let at90 = ReviewThreshold.derive(target: 0.9, confidences: conf, correct: ok)
        #expect(at90.threshold == 0.95 && at90.coverage == 2.0 / 6 && at90.precision == 1)
        let never = ReviewThreshold.derive(target: 0.5, confidences: [0.9, 0.7], correct: [false, false])
        #expect(!never.reachable && never.threshold > 1 && never.coverage == 0)

        let on = PrecisionCoverage.at(threshold: 0.9, confidences: conf, correct: ok)
        #expect(on.coverage == 4.0 / 6 && on.precision == 0.75)
        #expect(PrecisionCoverage.at(threshold: 1.01, confidences: conf, correct: ok).precision == nil)
        let long = (0..<1000).map { Double($0) / 1000 }
        let thinned = PrecisionCoverage.thin(PrecisionCoverage.curve(confidences: long, correct: long.map { $0 > 0.5 }), to: 50)
        #expect(thinned.count == 50 && thinned.last?.coverage == 1)
    }

    @Test func theLowerBoundTradesCoverageForATargetThatHoldsOnNewRows() {
        // Wilson score interval, one-sided 95 % (z = 1.645): 95 of 100 → 0.9008; 10 of 10 → 0.7871.
        #expect(abs(ReviewThreshold.wilsonLower95(right: 95, covered: 100) - 0.900839) < 1e-5)
        #expect(abs(ReviewThreshold.wilsonLower95(right: 10, covered: 10) - 0.787058) < 1e-5)
        #expect(ReviewThreshold.wilsonLower95(right: 0, covered: 0) == 0)

        // 400 rows: the 300 most confident are 98 % right, the rest 70 %.
        var conf: [Double] = [], ok: [Bool] = []
        for i in 0..<400 {
            conf.append(1 - Double(i) / 1000)
            ok.append(i < 300 ? i % 50 != 7 : i % 10 < 7)
        }
        let estimate = ReviewThreshold.derive(target: 0.95, confidences: conf, correct: ok)
        let lower = ReviewThreshold.derive(target: 0.95, confidences: conf, correct: ok, bound: .lower95)
        #expect(estimate.reachable && lower.reachable && lower.bound == .lower95 && estimate.bound == .estimate)
        #expect(lower.coverage < estimate.coverage && lower.threshold > estimate.threshold, "\(lower) vs \(estimate)")
        let covered = Int((lower.coverage * 400).rounded())
        #expect(ReviewThreshold.wilsonLower95(right: Int((lower.precision * Double(covered)).rounded()), covered: covered) >= 0.95)
        #expect(!ReviewThreshold.derive(target: 0.95, confidences: [0.9, 0.8], correct: [true, true], bound: .lower95).reachable,
                "two right answers are no evidence of 95 %")
    }

    /// A model with fixed logits (the calibration wrapper's arithmetic, not a stand-in for a real model kind).
    final class FixedLogits: TextClassifier {
        let kind = "fixed", version = "fixed-1"
        let heads = [HeadSpec(name: "queue", labels: ["A", "B", "C"]), HeadSpec(name: "topic", labels: ["x", "y"])]
        func classify(_ texts: [String]) throws -> [ModelOutput] {
            texts.map { _ in ModelOutput(logits: ["queue": [2, 0, -1], "topic": [0.5, 0]]) }
        }
    }

    @Test func aCalibratedModelReportsTheTemperaturesConfidenceAndCarriesItsThreshold() throws {
        let base = FixedLogits()
        let review = ReviewThreshold(targetPrecision: 0.95, threshold: 0.62, coverage: 0.7, precision: 0.951, reachable: true)
        let calibration = ModelCalibration(fittedOn: "test", heads: [
            "queue": HeadCalibration(temperature: 2, rows: 100, nllBefore: 1, nllAfter: 0.9, eceBefore: 0.1, eceAfter: 0.02, review: review),
        ])
        let calibrated = CalibratedClassifier(base, calibration: calibration)
        let out = try calibrated.classify(["text"])[0]
        #expect(out == (try base.classify(["text"])[0]), "the logits stay the model's own")
        let raw = base.prediction(id: "e", output: out), p = calibrated.prediction(id: "e", output: out)
        #expect(p.heads["queue"]?.label == "A" && raw.heads["queue"]?.label == "A", "a temperature never changes the arg-max")
        #expect(abs(p.heads["queue"]!.confidence - Double(softmax([1, 0, -0.5])[0])) < 1e-6)
        #expect(p.heads["queue"]!.confidence < raw.heads["queue"]!.confidence)
        #expect(p.heads["queue"]?.reviewThreshold == 0.62 && raw.heads["queue"]?.reviewThreshold == nil)
        #expect(p.heads["topic"] == raw.heads["topic"], "a head without calibration keeps its raw confidence")
        #expect(calibrated.version == "fixed-1" && calibrated.kind == "fixed" && calibrated.heads == base.heads)
    }

    @Test func calibrationFilesRoundTripAndBadOnesNameTheProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("calibration-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let heads = FixedLogits().heads
        #expect(try ModelCalibration.read(directory: dir, heads: heads) == nil, "no file: an uncalibrated model")
        let c = ModelCalibration(fittedOn: "40 rows", heads: [
            "topic": HeadCalibration(temperature: 1.3, rows: 40, nllBefore: 0.7, nllAfter: 0.6, eceBefore: 0.08, eceAfter: 0.03),
        ])
        try c.write(directory: dir)
        #expect(try ModelCalibration.read(directory: dir, heads: heads) == c)

        func write(_ json: String) throws {
            try Data(json.utf8).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(ModelCalibration.fileName)))
        }
        try write(#"{"method":"temperature","fitted_on":"x","heads":{"language":{"temperature":1,"rows":1,"nll_before":0,"nll_after":0,"ece_before":0,"ece_after":0}}}"#)
        #expect { try ModelCalibration.read(directory: dir, heads: heads) } throws: { "\($0)".contains("head language is not one of the model's heads") }
        try write(#"{"method":"temperature","fitted_on":"x","heads":{"topic":{"temperature":0,"rows":1,"nll_before":0,"nll_after":0,"ece_before":0,"ece_after":0}}}"#)
        #expect { try ModelCalibration.read(directory: dir, heads: heads) } throws: { "\($0)".contains("temperature must be a positive number") }
        try write("{")
        #expect { try ModelCalibration.read(directory: dir, heads: heads) } throws: { "\($0)".contains(ModelCalibration.fileName) }
    }
}
