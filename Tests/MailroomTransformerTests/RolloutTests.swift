// RolloutTests: attention rollout against the one Hugging Face transformers computes from its own attention
// probabilities (rollout.json, from make-rollout-fixtures.py), and the transformer kind's evidence built on it.
import Foundation
import MailroomCore
import MailroomTransformer
import Testing

@Suite struct RolloutTests {
    struct RolloutFixture: Decodable { var magic: String; var version: Int; var input_ids: [[Int]]; var rollout: [[Float]] }

    @Test(arguments: ["distilbert-cased", "bert-uncased"])
    func rolloutMatchesTransformers(_ name: String) throws {
        let dir = ModelFixture.root + "/" + name
        let f = try JSONDecoder().decode(RolloutFixture.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/rollout.json")))
        #expect(f.magic == "mailroom-rollout-fixture" && f.version == 1)
        let model = try TransformerClassifier.load(directory: dir, threads: 2)
        var worst: Float = 0
        for (ids, want) in zip(f.input_ids, f.rollout) {
            let got = try model.encoder.attentionRollout(ids)
            #expect(got.count == ids.count)
            #expect(abs(got.reduce(0, +) - 1) < 1e-4, "a rollout row is a distribution")
            worst = max(worst, maxAbsDiff(got, want))
        }
        #expect(worst < 1e-4, "\(name): largest difference from transformers \(worst)")
    }

    @Test func recordingTheRolloutLeavesClassificationAsItWas() throws {
        let model = try TransformerClassifier.load(directory: ModelFixture.root + "/distilbert-cased", threads: 2)
        let texts = ["Guten Tag, bitte übertragen Sie mein Depot.", "Wie hoch sind die Gebühren?"]
        let before = try model.classify(texts)
        _ = try model.encoder.attentionRollout(model.tokenize(texts[0]))
        #expect(try model.classify(texts) == before)
    }

    @Test func evidenceNamesWholeWordsByTheirShareAndNoSpecialTokens() throws {
        let model = try TransformerClassifier.load(directory: ModelFixture.root + "/distilbert-cased", threads: 2)
        let head = try #require(model.heads.first)
        let input = ModelInput(text: "Depotübertrag bitte schnell erledigen, danke.")
        let items = try #require(model.evidence(for: input, head: head.name, label: head.labels[0], top: 4))
        #expect(!items.isEmpty && items.count <= 4)
        #expect(items.allSatisfy { $0.feature.hasPrefix(TransformerClassifier.evidencePrefix) && $0.weight > 0 && $0.weight <= 1 })
        let words = items.map { String($0.feature.dropFirst(TransformerClassifier.evidencePrefix.count)) }
        #expect(words.allSatisfy { !$0.hasPrefix("##") && !$0.hasPrefix("[") && $0.contains(where: \.isLetter) }, "\(words)")
        #expect(zip(items, items.dropFirst()).allSatisfy { $0.weight >= $1.weight }, "largest first")
        // The same for every head and label (they all read the first token); nothing for a head the model lacks.
        let other = try #require(model.heads.last)
        #expect(model.evidence(for: input, head: other.name, label: other.labels.last!, top: 4) == items)
        #expect(model.evidence(for: input, head: "no-such-head", label: "x", top: 4) == nil)
        // The shares are the rollout's: the words' sum is at most the whole (the rest is [CLS], [SEP], punctuation).
        let all = try #require(model.evidence(for: input, head: head.name, label: head.labels[0], top: 100))
        #expect(all.map(\.weight).reduce(0, +) <= 1 + 1e-6)
    }
}
