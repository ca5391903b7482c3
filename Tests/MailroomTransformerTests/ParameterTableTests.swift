// ParameterTableTests: the one tensor table the loader records (HF key, offset, shape): it lists exactly the
// checkpoint's tensors, saving from it round-trips every key and value, the gradient modules sit at its offsets,
// and a missing or mis-shaped tensor fails at load naming the key.
import Foundation
@testable import MailroomTransformer
import Testing

@Suite struct ParameterTableTests {
    static let models = ["distilbert-cased", "bert-uncased", "bert-cased-bf16", "distilbert-uncased-f16"]

    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-table-\(UUID())").path
    }

    /// The file's float tensors under base-model names (the task-model prefix `bert.` / `distilbert.` dropped).
    static func checkpointKeys(_ dir: String, family: EncoderFamily) throws -> [String: String] {
        let r = try SafetensorsReader(path: dir + "/model.safetensors")
        let prefix = family.rawValue + "."
        var keys: [String: String] = [:]
        for (key, e) in r.entries where e.dtype.isFloat {
            keys[key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key] = key
        }
        return keys
    }

    @Test(arguments: models)
    func tableListsExactlyTheCheckpointsTensors(_ name: String) throws {
        let dir = ModelFixture.root + "/" + name
        let model = try TransformerClassifier.load(directory: dir, threads: 1)
        let store = model.encoder.store
        let expected = try Self.checkpointKeys(dir, family: model.encoder.config.family)
        #expect(Set(store.tensors.map(\.key)) == Set(expected.keys))
        #expect(store.tensors.count == expected.count, "a key recorded twice")
        // Back to back from offset 0, covering every float in use; shapes as in the file.
        let reader = try SafetensorsReader(path: dir + "/model.safetensors")
        var next = 0
        for t in store.tensors {
            #expect(t.offset == next, "\(t.key) at \(t.offset), expected \(next)")
            #expect(reader.entries[expected[t.key]!]?.shape == t.shape, "\(t.key) shape")
            next = t.offset + t.count
        }
        #expect(next == store.used && store.bytes == 4 * next)
    }

    @Test(arguments: ["distilbert-cased", "bert-uncased"])
    func savingRoundTripsEveryKey(_ name: String) throws {
        let dir = ModelFixture.root + "/" + name
        let classifier = try TransformerClassifier.load(directory: dir, threads: 1)
        let model = TrainingModel(classifier: classifier, maxB: 2, maxT: 8, threads: 1)
        let out = tempDir(); defer { try? FileManager.default.removeItem(atPath: out) }
        let (_, json) = try EncoderConfig.read(directory: dir)
        try model.writeCheckpoint(to: out, configJSON: json, version: "round-trip", extra: [:], tokenizerSource: dir)
        let original = try SafetensorsReader(path: dir + "/model.safetensors")
        let saved = try SafetensorsReader(path: out + "/model.safetensors")
        let expected = try Self.checkpointKeys(dir, family: classifier.encoder.config.family)
        #expect(Set(saved.entries.keys) == Set(expected.keys))
        for (key, originalKey) in expected {
            #expect(try saved.floats(key) == original.floats(originalKey), "\(key) values")
        }
        // The saved directory loads into the same model.
        let reloaded = try TransformerClassifier.load(directory: out, threads: 1)
        #expect(reloaded.encoder.store.tensors == classifier.encoder.store.tensors)
        let f = try ModelFixture.read(dir)
        let a = try classifier.classify(f.texts), b = try reloaded.classify(f.texts)
        #expect(a.map(\.logits) == b.map(\.logits))
    }

    @Test func gradientModulesSitAtTheTablesOffsets() throws {
        let classifier = try TransformerClassifier.load(directory: ModelFixture.root + "/bert-uncased", threads: 1)
        let model = TrainingModel(classifier: classifier, maxB: 2, maxT: 8, threads: 1)
        let p = classifier.encoder.layers[1], g = model.gLayers[1]
        func same(_ param: FloatPtr, _ grad: FloatPtr) -> Bool { param - model.params == grad - model.grads }
        #expect(same(classifier.encoder.embeddings.wordEmbeddings, model.gEmbeddings.wordEmbeddings))
        #expect(same(classifier.encoder.embeddings.tokenType0!, model.gEmbeddings.tokenType0!))
        #expect(same(p.attention.qkvWeight, g.attention.qkvWeight) && same(p.attention.outBias, g.attention.outBias))
        #expect(same(p.ffn.lin1Weight, g.ffn.lin1Weight) && same(p.ln2Bias, g.ln2Bias))
        #expect(same(classifier.classificationHeads[1].clsBias, model.gHeads[1].clsBias))
        let firstHead = model.namedTensors().first { $0.key.hasPrefix("heads.") }!
        #expect(model.headStart == firstHead.offset && model.count == classifier.encoder.store.used)
    }

    /// Copies the bert-uncased fixture with its model.safetensors rewritten by `edit`.
    func fixtureCopy(_ edit: (inout [String: SafetensorsWriter.Tensor]) -> Void) throws -> String {
        let src = ModelFixture.root + "/bert-uncased", out = tempDir()
        try FileManager.default.copyItem(atPath: src, toPath: out)
        let r = try SafetensorsReader(path: src + "/model.safetensors")
        var tensors: [String: SafetensorsWriter.Tensor] = [:]
        for (key, e) in r.entries where e.dtype.isFloat { tensors[key] = .init(shape: e.shape, values: try r.floats(key)) }
        edit(&tensors)
        try FileManager.default.removeItem(atPath: out + "/model.safetensors")
        try SafetensorsWriter.write(tensors, to: out + "/model.safetensors")
        return out
    }

    @Test(arguments: ["encoder.layer.1.output.dense.bias", "heads.relevance.classifier.weight"])
    func missingTensorFailsAtLoadNamingTheKey(_ key: String) throws {
        let dir = try fixtureCopy { $0[key] = nil }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = #expect(throws: TransformerError.self) { try TransformerClassifier.load(directory: dir) }
        guard case .missingTensor(let k, _, _) = error else { Issue.record("expected a missing tensor: \(String(describing: error))"); return }
        #expect(k == key && "\(error!)".contains(key))
    }

    @Test func misShapedTensorFailsAtLoadNamingTheKey() throws {
        let key = "encoder.layer.0.attention.self.key.weight"
        let dir = try fixtureCopy { t in
            let v = t[key]!.values
            t[key] = .init(shape: [v.count / 16, 16], values: v)
        }
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let error = #expect(throws: TransformerError.self) { try TransformerClassifier.load(directory: dir) }
        guard case .shapeMismatch(let k, _, let found, _) = error else { Issue.record("expected a shape mismatch: \(String(describing: error))"); return }
        #expect(k == key && found == [64, 16] && "\(error!)".contains(key))
    }
}
