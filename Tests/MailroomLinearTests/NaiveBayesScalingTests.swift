// Tests of per-head naive-Bayes feature scaling (LinearTrainingOptions.naiveBayesScaling): the scales follow the
// log-count ratios, and folding them into the weights gives the same logits on raw features as the fit had on
// scaled ones.
import Foundation
import MailroomCore
import MailroomEvaluation
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

    @Test func trainedHeadIsTheScaledFitWithScalesFoldedIn() throws {
        var o = quickOptions(seed: 4)
        o.epochs = 15
        o.naiveBayesScaling = 0.5
        let model = try LinearTrainer.train(dataset: generatedRows, options: o, version: "nb")
        // Rebuild head 0's fit by hand: the training rows' vectors, their scales, an L-BFGS fit on scaled rows.
        let train = generatedRows.filter { !$0.isValidation }
        let trained = model.headWeights[0]
        let spec = trained.spec
        var x = SparseRows()
        for r in train { x.append(model.space.vector(r.input)) }
        let targets = train.map { spec.labels.firstIndex(of: $0.labels[spec.name]!)! }
        let f = model.space.featureCount, k = spec.labels.count
        let s = NaiveBayesScaling.scales(x: x, rows: Array(train.indices), targets: targets, classCount: k,
                                         featureCount: f, exponent: 0.5)
        let head = LBFGSHead(spec: spec, featureCount: f, rows: Array(train.indices), targets: targets,
                             classWeights: o.classWeighting.weights(classIndices: targets, classCount: k),
                             l2: o.l2, threads: o.threads)
        let theta = head.fit(x: NaiveBayesScaling.scaled(x, by: s), iterations: o.epochs) { _, _ in }
        var worst: Float = 0
        for j in 0..<f { for c in 0..<k { worst = max(worst, abs(trained.weights[j * k + c] - theta[j * k + c] * s[j])) } }
        #expect(worst < 1e-5, "largest weight difference \(worst)")
        #expect(trained.bias == Array(theta[(f * k)...]))
    }

    @Test func trainingWithScalingChangesTheModelAndStillLearns() throws {
        var o = quickOptions(seed: 3)
        let plain = try LinearTrainer.train(dataset: generatedRows, options: o, version: "plain")
        o.naiveBayesScaling = 0.5
        let scaled = try LinearTrainer.train(dataset: generatedRows, options: o, version: "nb")
        #expect(plain.headWeights[0].weights != scaled.headWeights[0].weights)
        let score = try Evaluator.evaluate(classifier: scaled, rows: generatedRows.filter(\.isValidation)).meanMacroF1
        #expect(score > 0.5, "validation mean macro-F1 \(score)")
        o.naiveBayesScaling = -1
        #expect(throws: LinearError.self) { try o.validate() }
    }
}
