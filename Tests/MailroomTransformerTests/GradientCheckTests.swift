// GradientCheckTests: the hand-written backward passes against central finite differences of the loss, for every
// parameter tensor of tiny BERT and DistilBERT checkpoints (with and without dropout), and the BLAS backward
// kernels against their loop references.
import Foundation
@testable import MailroomTransformer
import Testing

@Suite struct GradientCheckTests {
    /// A batch of two sequences (5 and 3 tokens) with one missing label, for the fixture heads.
    static func batch(_ model: TrainingModel) -> ([[Int]], BatchLabels) {
        let V = model.config.vocabSize
        let seqs = [[2, 17 % V, 40 % V, 99 % V, 3], [2, 123 % V, 3]]
        let labels = model.classifier.classificationHeads.enumerated().map { i, h in
            i == 0 ? [1 % h.labels, -1] : [0, (h.labels - 1)]
        }
        return (seqs, labels)
    }

    static func check(_ name: String, dropout: DropoutRates) throws {
        let classifier = try TransformerClassifier.load(directory: ModelFixture.root + "/" + name, threads: 1)
        let model = TrainingModel(classifier: classifier, maxB: 2, maxT: 8, threads: 1)
        let (seqs, labels) = batch(model)
        let heads = classifier.classificationHeads.count
        // Class weights on the first head exercise the weighted mean.
        let cw: [[Float]?] = (0..<heads).map { $0 == 0 ? (0..<classifier.classificationHeads[0].labels).map { 1 + Float($0) * 0.5 } : nil }
        let hw = (0..<heads).map { 1 - Float($0) * 0.25 }
        func loss() throws -> Float {
            model.zeroGrad()
            var rng = SplitMix64(seed: 7)
            return try model.forwardBackward(seqs, labels: labels, classWeights: cw, headWeights: hw, dropout: dropout,
                                             rng: &rng, freezeEncoder: false)
        }
        _ = try loss()
        let analytic = Array(UnsafeBufferPointer(start: model.grads, count: model.count))
        var rng = SplitMix64(seed: 1)
        var worst: (String, Float) = ("", 0)
        for t in model.namedTensors() {
            let n = t.shape.reduce(1, *)
            let grad = analytic[t.offset..<(t.offset + n)]
            let top = grad.indices.max { abs(grad[$0]) < abs(grad[$1]) }!
            let picks = [top] + (0..<2).map { _ in t.offset + Int(rng.next() % UInt64(n)) }
            for i in picks {
                let saved = model.params[i]
                let h: Float = 3e-3
                model.params[i] = saved + h; let lp = try loss()
                model.params[i] = saved - h; let lm = try loss()
                model.params[i] = saved
                let numeric = (lp - lm) / (2 * h)
                let err = abs(numeric - analytic[i])
                let tol = 2e-3 + 0.05 * abs(analytic[i])
                if err / tol > worst.1 { worst = (t.key, err / tol) }
                #expect(err <= tol, "\(name) \(t.key)[\(i - t.offset)]: analytic \(analytic[i]) numeric \(numeric)")
            }
        }
        print("gradient check \(name) dropout=\(dropout.any): worst error/tolerance \(worst.1) at \(worst.0)")
    }

    @Test func bertGradients() throws { try Self.check("bert-uncased", dropout: .none) }
    @Test func distilbertGradients() throws { try Self.check("distilbert-cased", dropout: .none) }
    @Test func bertGradientsWithDropout() throws {
        try Self.check("bert-uncased", dropout: DropoutRates(hidden: 0.1, attention: 0.1, head: 0.1))
    }
    @Test func distilbertGradientsWithDropout() throws {
        try Self.check("distilbert-cased", dropout: DropoutRates(hidden: 0.1, attention: 0.1, head: 0.1))
    }

    @Test func matmulBackwardMatchesLoops() {
        let (N, K, M) = (5, 7, 3)
        var rng = SplitMix64(seed: 3)
        let dout = rng.uniform(N * M, 1), inp = rng.uniform(N * K, 1), w = rng.uniform(M * K, 1)
        var a = (dx: [Float](repeating: 0.5, count: N * K), dw: [Float](repeating: 0.25, count: M * K), db: [Float](repeating: 1, count: M))
        var b = a
        matmulBackward(&a.dx, &a.dw, &a.db, dout, inp, w, N: N, K: K, M: M)
        matmulBackwardNaive(&b.dx, &b.dw, &b.db, dout, inp, w, N: N, K: K, M: M)
        #expect(maxAbsDiff(a.dx, b.dx) < 1e-5 && maxAbsDiff(a.dw, b.dw) < 1e-5 && maxAbsDiff(a.db, b.db) < 1e-5)
    }
}

@Suite struct TrainingForwardTests {
    /// The training forward (kept activations, dropout off) gives the inference path's logits, for both families.
    @Test(arguments: ["bert-uncased", "distilbert-cased"]) func trainingForwardMatchesInference(_ name: String) throws {
        let classifier = try TransformerClassifier.load(directory: ModelFixture.root + "/" + name, threads: 1)
        let model = TrainingModel(classifier: classifier, maxB: 3, maxT: 8, threads: 1)
        let seqs = [[2, 17, 40, 99, 3], [2, 123, 3], [2, 5, 6, 7, 8, 9, 10, 3]]
        let heads = classifier.classificationHeads.count
        var rng = SplitMix64(seed: 1)
        _ = try model.forwardBackward(seqs, labels: Array(repeating: [0, 0, 0], count: heads),
                                      classWeights: Array(repeating: nil, count: heads),
                                      headWeights: Array(repeating: 1, count: heads), dropout: .none, rng: &rng,
                                      freezeEncoder: false)
        var training: [String: [Float]] = [:]
        for (i, h) in classifier.classificationHeads.enumerated() {
            training[h.name] = Array(UnsafeBufferPointer(start: model.acts.heads[i].logits, count: 3 * h.labels))
        }
        let inference = try classifier.runHeads(seqs)
        for h in classifier.classificationHeads {
            let d = maxAbsDiff(training[h.name]!, inference[h.name]!.flatMap { $0 })
            print("\(name) \(h.name): training vs inference logits max |diff| \(d)")
            #expect(d < 1e-4)
        }
    }
}
