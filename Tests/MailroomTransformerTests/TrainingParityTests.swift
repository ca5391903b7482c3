// TrainingParityTests: loss, every gradient and the weights after AdamW steps against PyTorch, from the fixtures
// Tests/Fixtures/transformer-training/make-training-fixtures.py writes (same weights, batch and hyper-parameters,
// dropout off).
import Foundation
@testable import MailroomTransformer
import MailroomTestSupport
import Testing

/// expected.json of a training fixture.
struct TrainingFixture: Decodable {
    var magic: String, version: Int, model: String
    var sequences: [[Int]]
    var labels: [String: [Int]]
    var head_order: [String]
    var lr: Float, weight_decay: Float, clip: Float
    var warmup: Int, total_steps: Int, steps: Int
    var losses: [Float]
    var grad_norm: Float

    static let root = RepositoryPaths.fixtures("transformer-training")
}

@Suite struct TrainingParityTests {
    static func run(_ name: String) throws {
        let dir = TrainingFixture.root + "/" + name
        let f = try JSONDecoder().decode(TrainingFixture.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json")))
        #expect(f.magic == "mailroom-training-fixture" && f.version == 1,
                "regenerate with Tests/Fixtures/transformer-training/make-training-fixtures.py")
        let expected = try SafetensorsReader(path: dir + "/expected.safetensors")
        let classifier = try TransformerClassifier.load(directory: ModelFixture.root + "/" + name, threads: 1)
        let model = TrainingModel(classifier: classifier, maxB: f.sequences.count, maxT: 16, threads: 1)
        #expect(classifier.classificationHeads.map(\.name) == f.head_order)
        let labels = f.head_order.map { f.labels[$0]!.map { $0 == -100 ? -1 : $0 } }
        let heads = f.head_order.count
        let optimizer = AdamW(count: model.count, weightDecay: f.weight_decay)
        for step in 0..<f.steps {
            model.zeroGrad()
            var rng = SplitMix64(seed: 0)
            let loss = try model.forwardBackward(f.sequences, labels: labels, classWeights: Array(repeating: nil, count: heads),
                                                 headWeights: Array(repeating: 1, count: heads), dropout: .none,
                                                 rng: &rng, freezeEncoder: false)
            print("\(name) step \(step): loss \(loss) (PyTorch \(f.losses[step]))")
            #expect(abs(loss - f.losses[step]) <= 1e-4 * max(1, abs(f.losses[step])), "\(name) loss at step \(step)")
            if step == 0 {
                for t in model.namedTensors() {
                    let ref = try expected.floats("grad." + t.key)
                    let ours = Array(UnsafeBufferPointer(start: model.grads + t.offset, count: ref.count))
                    let scale = max(1e-3, ref.map(abs).max() ?? 0)
                    let d = maxAbsDiff(ours, ref)
                    print("  grad \(t.key): max |diff| \(d) (max |grad| \(scale))")
                    #expect(d <= 1e-3 * scale + 1e-6, "\(name) gradient of \(t.key)")
                }
            }
            let lr = f.lr * linearWarmupDecay(step: step, warmup: f.warmup, total: f.total_steps)
            let norm = model.update(optimizer, lr: lr, clip: f.clip, freezeEncoder: false)
            if step == 0 { #expect(abs(norm - f.grad_norm) <= 1e-4 * f.grad_norm, "\(name) grad norm \(norm) vs \(f.grad_norm)") }
        }
        for t in model.namedTensors() {
            let ref = try expected.floats("updated." + t.key)
            let ours = Array(UnsafeBufferPointer(start: model.params + t.offset, count: ref.count))
            // Where the reference gradient is below float round-off of O(1) gradients (|g| < 1e-5, e.g. the key
            // bias, whose gradient is 0 in exact arithmetic), both sides hold noise that Adam's m/√v turns into steps
            // of up to lr each: allow steps·lr there, 2e-5 elsewhere.
            let g = try expected.floats("grad." + t.key)
            var dSignal: Float = 0, dNoise: Float = 0
            for i in ref.indices {
                let d = abs(ours[i] - ref[i])
                if abs(g[i]) < 1e-5 { dNoise = max(dNoise, d) } else { dSignal = max(dSignal, d) }
            }
            print("  updated \(t.key): max |diff| \(dSignal) (where |grad| < 1e-5: \(dNoise))")
            #expect(dSignal <= 2e-5 && dNoise <= Float(f.steps) * f.lr, "\(name) updated weights of \(t.key)")
        }
    }

    @Test func bertStepsMatchPyTorch() throws { try Self.run("bert-uncased") }
    @Test func distilbertStepsMatchPyTorch() throws { try Self.run("distilbert-cased") }
}
