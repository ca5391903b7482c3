// TransformerParityTests: logits and token ids of tiny random BERT/DistilBERT checkpoints against HF transformers.
import Foundation
import MailroomCore
import MailroomTransformer
import Testing

@Suite struct TransformerParityTests {
    static let models = ["distilbert-cased", "bert-uncased", "bert-cased-bf16", "distilbert-uncased-f16"]

    /// Logits within 1e-4 of PyTorch's for every fixture text; token counts and truncation flags as HF's.
    @Test(arguments: models)
    func logitsMatchPyTorch(_ name: String) throws {
        let dir = ModelFixture.root + "/" + name
        let f = try ModelFixture.read(dir)
        let model = try TransformerClassifier.load(directory: dir, threads: 2)
        #expect(model.maxLength == f.max_length)
        #expect(model.heads.map(\.name) == ["sentiment", "relevance"])
        let outputs = try model.classify(f.texts)
        var worst: Float = 0
        for (i, out) in outputs.enumerated() {
            #expect(model.tokenize(f.texts[i]) == f.input_ids[i], "\(name) text \(i) ids")
            #expect(out.tokenCount == f.input_ids[i].count)
            #expect(out.truncated == f.truncated[i], "\(name) text \(i) truncation flag")
            for head in model.heads {
                let d = maxAbsDiff(out.logits[head.name]!, f.logits![head.name]![i])
                worst = max(worst, d)
                #expect(d <= 1e-4, "\(name) text \(i) head \(head.name): max |Δ| = \(d)")
            }
        }
        print("\(name): max |logit - PyTorch| = \(worst)")
    }

    /// One batch of all texts gives the same logits as each text alone (packing does not leak across sequences).
    @Test func batchedEqualsSingle() throws {
        let dir = ModelFixture.root + "/bert-uncased"
        let f = try ModelFixture.read(dir)
        let model = try TransformerClassifier.load(directory: dir, threads: 2)
        model.tokenBudget = 1 << 20
        let batched = try model.classify(f.texts)
        for (i, text) in f.texts.enumerated() {
            let single = try model.classify([text])[0]
            for head in model.heads {
                #expect(maxAbsDiff(single.logits[head.name]!, batched[i].logits[head.name]!) <= 1e-5)
            }
        }
        // Small token budgets make many batches; results still come back in input order.
        model.tokenBudget = 16
        let small = try model.classify(f.texts)
        for i in f.texts.indices {
            #expect(maxAbsDiff(small[i].logits["sentiment"]!, batched[i].logits["sentiment"]!) <= 1e-5)
        }
    }

    /// Running the last layer for the first tokens only equals running it for every token.
    @Test func firstTokenShortcutEqualsFullLastLayer() throws {
        let dir = ModelFixture.root + "/distilbert-cased"
        let f = try ModelFixture.read(dir)
        let model = try TransformerClassifier.load(directory: dir, threads: 1)
        let a = try model.encoder.firstTokenStates(f.input_ids, fullLastLayer: false)
        let b = try model.encoder.firstTokenStates(f.input_ids, fullLastLayer: true)
        #expect(maxAbsDiff(a, b) <= 1e-5)
    }

    @Test func predictionCarriesTokenCountAndTruncation() throws {
        let model = try TransformerClassifier.load(directory: ModelFixture.root + "/bert-uncased")
        let long = String(repeating: "Bitte um Rückruf. ", count: 200)
        let out = try model.classify([long])[0]
        #expect(out.tokenCount == model.maxLength && out.truncated == true)
        let p = model.prediction(id: "m1", output: out, includeLogits: true)
        #expect(p.heads["sentiment"]?.logits?.count == 3)
        #expect(p.tokenCount == model.maxLength)
    }
}
