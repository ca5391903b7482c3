// CheckpointTests: safetensors round trip, checkpoint creation, and load-time errors that name the tensor.
import Foundation
import MailroomCore
import MailroomTransformer
import Testing

@Suite struct CheckpointTests {
    func tempDir() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-tf-\(UUID())").path
    }

    @Test func safetensorsRoundTrip() throws {
        let dir = tempDir(); try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = SafetensorsWriter.Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, 1e-8, 7])
        let b = SafetensorsWriter.Tensor(shape: [1], values: [42])
        try SafetensorsWriter.write(["x.weight": a, "a.bias": b], to: dir + "/t.safetensors")
        let r = try SafetensorsReader(path: dir + "/t.safetensors")
        #expect(r.entries["x.weight"]?.shape == [2, 3])
        #expect(try r.floats("x.weight") == a.values)
        #expect(try r.floats("a.bias") == [42])
        #expect(r.metadata["format"] == "pt")
        #expect(throws: SafetensorsError.self) { try r.floats("missing") }
    }

    @Test func createFromEncoderAndReload() throws {
        let out = tempDir(); defer { try? FileManager.default.removeItem(atPath: out) }
        let heads = [HeadSpec(name: "intent", labels: ["card", "transfer", "other"]), HeadSpec(name: "urgent", labels: ["no", "yes"])]
        // A fixture checkpoint stands in for a bare encoder; its old heads are dropped, new ones initialised.
        try TransformerCheckpoint.create(encoder: ModelFixture.root + "/distilbert-cased", heads: heads, version: "v-test",
                                         maxLength: 32, seed: 1, out: out)
        let model = try TransformerClassifier.load(directory: out)
        #expect(model.heads == heads && model.version == "v-test" && model.maxLength == 32)
        let r = try model.classify(["Guten Tag", "Hello"])
        #expect(r[0].logits["intent"]?.count == 3 && r[1].logits["urgent"]?.count == 2)
        // Encoder tensors were renamed from the task-model prefix to base names; head init is within ±1/√C.
        let st = try SafetensorsReader(path: out + "/model.safetensors")
        #expect(st.entries["embeddings.word_embeddings.weight"] != nil)
        #expect(st.entries.keys.allSatisfy { !$0.hasPrefix("distilbert.") })
        let w = try st.floats("heads.intent.pre_classifier.weight")
        let bound = 1 / Float(32).squareRoot()
        #expect(w.allSatisfy { abs($0) <= bound } && Set(w).count > w.count / 2)
        // Same seed, same heads.
        let out2 = tempDir(); defer { try? FileManager.default.removeItem(atPath: out2) }
        try TransformerCheckpoint.create(encoder: ModelFixture.root + "/distilbert-cased", heads: heads, version: "v-test",
                                         maxLength: 32, seed: 1, out: out2)
        #expect(try SafetensorsReader(path: out2 + "/model.safetensors").floats("heads.intent.pre_classifier.weight") == w)
    }

    @Test func wrongShapeNamesTheTensor() throws {
        let out = tempDir(); defer { try? FileManager.default.removeItem(atPath: out) }
        try TransformerCheckpoint.create(encoder: ModelFixture.root + "/bert-uncased",
                                         heads: [HeadSpec(name: "h", labels: ["a", "b"])], version: "v", maxLength: 32,
                                         seed: 1, out: out)
        // Claim a bigger intermediate size than the weights have.
        let path = out + "/config.json"
        var cfg = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
        cfg["intermediate_size"] = 128
        try JSONSerialization.data(withJSONObject: cfg).write(to: URL(fileURLWithPath: path))
        do {
            _ = try TransformerClassifier.load(directory: out)
            Issue.record("loading should fail")
        } catch let e as TransformerError {
            #expect(e.description.contains("encoder.layer.0.intermediate.dense.weight"), "\(e)")
        }
    }

    @Test func bundledEncoderErrorTellsWhatToDo() {
        do {
            _ = try BundledEncoder.locate(environment: ["MAILROOM_ENCODER": "/nonexistent"])
            Issue.record("should fail")
        } catch {
            #expect("\(error)".contains("MAILROOM_ENCODER"))
        }
    }
}
