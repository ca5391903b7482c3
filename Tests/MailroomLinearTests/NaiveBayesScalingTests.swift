// Tests of per-head naive-Bayes feature scaling (LinearTrainingOptions.naiveBayesScaling): the scales follow the
// log-count ratios, and folding them into the weights gives the same logits on raw features as the fit had on
// scaled ones.
import Foundation
import MailroomCore
@testable import MailroomLinear
import MailroomSampleData
import Testing

@Suite struct NaiveBayesScalingTests {
    /// Four rows over three features: feature 0 only in class 0, feature 1 only in class 1, feature 2 in all.
    static func toyRows() -> SparseRows {
        var x = SparseRows()
        x.append(SparseVector(indices: [0, 2], values: [1, 1]))
        x.append(SparseVector(indices: [0, 2], values: [1, 1]))
        x.append(SparseVector(indices: [1, 2], values: [1, 1]))
        x.append(SparseVector(indices: [1, 2], values: [1, 1]))
        return x
    }

    @Test func scalesAreTheLargestAbsoluteLogCountRatio() {
        let s = NaiveBayesScaling.scales(x: Self.toyRows(), rows: [0, 1, 2, 3], targets: [0, 0, 1, 1], classCount: 2,
                                         featureCount: 3, exponent: 1)
        // Class 0: p = (3, 1, 3), P = 7; other rows q = (1, 3, 3), Q = 7: r = log 3, −log 3, 0.
        #expect(abs(s[0] - Float(log(3.0))) < 1e-6)
        #expect(abs(s[1] - Float(log(3.0))) < 1e-6)
        #expect(abs(s[2]) < 1e-6, "a feature in every row separates nothing")
        let half = NaiveBayesScaling.scales(x: Self.toyRows(), rows: [0, 1, 2, 3], targets: [0, 0, 1, 1],
                                            classCount: 2, featureCount: 3, exponent: 0.5)
        #expect(abs(half[0] - Float(log(3.0)).squareRoot()) < 1e-6)
    }

    @Test func foldedWeightsReadRawFeaturesLikeTheScaledFit() {
        let x = Self.toyRows()
        let s: [Float] = [2, 0.5, 0.25]
        let spec = HeadSpec(name: "h", labels: ["a", "b"])
        let scaledFit = HeadWeights(spec: spec, weights: [1, -1, 0.5, 2, -3, 4], bias: [0.1, -0.2])
        var folded = scaledFit
        NaiveBayesScaling.unscale(&folded, by: s)
        let xs = NaiveBayesScaling.scaled(x, by: s)
        for r in 0..<x.count {
            let raw = SparseVector(indices: Array(x.indices[x.rowStart[r]..<x.rowStart[r + 1]]),
                                   values: Array(x.values[x.rowStart[r]..<x.rowStart[r + 1]]))
            let scaled = SparseVector(indices: Array(xs.indices[xs.rowStart[r]..<xs.rowStart[r + 1]]),
                                      values: Array(xs.values[xs.rowStart[r]..<xs.rowStart[r + 1]]))
            let a = folded.logits(raw), b = scaledFit.logits(scaled)
            for c in 0..<2 { #expect(abs(a[c] - b[c]) < 1e-6) }
        }
    }

    @Test func trainingWithScalingChangesTheModelAndStillLearns() throws {
        var o = quickOptions(seed: 3)
        let plain = try LinearTrainer.train(dataset: generatedRows, options: o, version: "plain")
        o.naiveBayesScaling = 0.5
        var score: Double?
        let scaled = try LinearTrainer.train(dataset: generatedRows, options: o, version: "nb") { p in
            if let s = p.validationMacroF1 { score = s }
        }
        #expect(plain.headWeights[0].weights != scaled.headWeights[0].weights)
        #expect((score ?? 0) > 0.5, "validation macro-F1 \(score ?? 0)")
        o.naiveBayesScaling = -1
        #expect(throws: LinearError.self) { try o.validate() }
    }
}
