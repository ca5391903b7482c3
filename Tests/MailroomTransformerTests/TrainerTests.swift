// TrainerTests: a tiny end-to-end fine-tuning run (loss falls, the saved checkpoint loads back and reproduces the
// validation report), resuming from trainer state continuing identically, and frozen-encoder training.
import Foundation
import MailroomCore
@testable import MailroomTransformer
import Testing

@Suite struct TrainerTests {
    /// A toy dataset the tiny bert-uncased fixture can learn: sentiment and relevance follow keywords.
    static func toyRows() -> [DatasetRow] {
        let sentiment = [("zufrieden dank", "positive"), ("argerlich zug", "negative"), ("konto depot", "neutral")]
        let relevance = [("bank", "true"), ("hamburg", "false")]
        let filler = ["bitte", "hello", "service", "munchen", "card", "gebuhren"]
        var rows: [DatasetRow] = []
        for i in 0..<36 {
            let s = sentiment[i % 3], r = relevance[(i / 3) % 2]
            var labels = ["sentiment": s.1, "relevance": r.1]
            if i % 7 == 0 { labels["relevance"] = nil }  // a missing label trains only the other head
            rows.append(DatasetRow(id: "toy-\(i)", subject: "", body: "\(filler[i % 6]) \(s.0) \(r.0) \(filler[(i + 2) % 6])",
                                   labels: labels, split: i % 6 == 5 ? "validation" : "train"))
        }
        return rows
    }

    static func options(epochs: Int) -> TransformerTrainingOptions {
        var o = TransformerTrainingOptions()
        o.epochs = epochs; o.learningRate = 3e-3; o.batchSize = 4; o.threads = 1; o.seed = 5; o.warmupFraction = 0.1
        return o
    }

    func tempDir() -> String { FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-train-\(UUID())").path }

    @Test func trainingReducesLossAndSavesALoadableCheckpoint() throws {
        let rows = Self.toyRows(), out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var reports = 0
        let summary = try TransformerTrainer.train(
            encoder: ModelFixture.root + "/bert-uncased", rows: rows.filter { !$0.isValidation },
            validation: rows.filter(\.isValidation), options: Self.options(epochs: 6), version: "toy-1", out: out) { _ in reports += 1 }
        let losses = summary.history.map(\.trainLoss)
        print("toy training losses \(losses), validation mean macro-F1 \(summary.history.map(\.meanMacroF1))")
        #expect(losses.last! < 0.5 * losses.first!, "loss should fall on the toy data")
        #expect(summary.bestMeanMacroF1 > 0.9)
        #expect(reports >= 6 * 8)
        // The saved checkpoint is the best epoch's: re-validating it reproduces the report exactly.
        let loaded = try TransformerClassifier.load(directory: out, threads: 1)
        #expect(loaded.version == "toy-1" && loaded.heads == summary.heads)
        let valid = rows.filter(\.isValidation)
        let again = try TransformerTrainer.validate(loaded, valid, valid.map { loaded.encode($0.text) })
        #expect(again == summary.history.first { $0.epoch == summary.bestEpoch }!.validation)
        #expect(FileManager.default.fileExists(atPath: out + "/validation_report.json"))
    }

    @Test func freshHeadsKnowALabelThatFallsOnlyAmongTheRunsOwnValidationRows() throws {
        // No validation rows given: the trainer holds out its own share (here 90 %). A label seen on one row only
        // must still get a logit in the fresh heads, wherever that row falls.
        let dir = tempDir(), encoder = dir + "/encoder", out = dir + "/out"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: ModelFixture.root + "/bert-uncased", toPath: encoder)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: encoder + "/config.json"))) as! [String: Any]
        config["mailroom"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: encoder + "/config.json"))
        var rows = Self.toyRows().filter { !$0.isValidation }
        rows.append(DatasetRow(id: "rare-1", subject: "", body: "selten bank", labels: ["sentiment": "rare", "relevance": "true"], split: "train"))
        var o = Self.options(epochs: 1)
        o.validationFraction = 0.9
        o.maxLength = 32
        let summary = try TransformerTrainer.train(encoder: encoder, rows: rows, validation: [], options: o, version: "rare-1", out: out) { _ in }
        #expect(summary.heads.first { $0.name == "sentiment" }?.labels.contains("rare") == true)
    }

    @Test func resumeContinuesIdentically() throws {
        let rows = Self.toyRows(), a = tempDir(), b = tempDir()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let train = rows.filter { !$0.isValidation }, valid = rows.filter(\.isValidation)
        let full = try TransformerTrainer.train(encoder: ModelFixture.root + "/bert-uncased", rows: train, validation: valid,
                                                options: Self.options(epochs: 2), version: "v", out: a) { _ in }
        var first = Self.options(epochs: 2)
        first.epochLimitThisRun = 1
        let half = try TransformerTrainer.train(encoder: ModelFixture.root + "/bert-uncased", rows: train, validation: valid,
                                                options: first, version: "v", out: b) { _ in }
        #expect(half.history.count == 1)
        var rest = Self.options(epochs: 2)
        rest.resumeFrom = b
        let resumed = try TransformerTrainer.train(encoder: ModelFixture.root + "/bert-uncased", rows: train, validation: valid,
                                                   options: rest, version: "v", out: b) { _ in }
        #expect(resumed.history.map(\.trainLoss) == full.history.map(\.trainLoss))
        let wa = try SafetensorsReader(path: a + "/trainer_state/model/model.safetensors")
        let wb = try SafetensorsReader(path: b + "/trainer_state/model/model.safetensors")
        #expect(Set(wa.entries.keys) == Set(wb.entries.keys))
        for key in wa.entries.keys { #expect(try wa.floats(key) == wb.floats(key), "\(key) differs after resuming") }
    }

    @Test func frozenEncoderTrainsHeadsOnly() throws {
        let rows = Self.toyRows(), out = tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var o = Self.options(epochs: 2)
        o.freezeEncoder = true
        _ = try TransformerTrainer.train(encoder: ModelFixture.root + "/bert-uncased", rows: rows.filter { !$0.isValidation },
                                         validation: rows.filter(\.isValidation), options: o, version: "f", out: out) { _ in }
        let before = try SafetensorsReader(path: ModelFixture.root + "/bert-uncased/model.safetensors")
        let after = try SafetensorsReader(path: out + "/trainer_state/model/model.safetensors")
        #expect(try before.floats("encoder.layer.0.attention.self.query.weight") == after.floats("encoder.layer.0.attention.self.query.weight"))
        #expect(try before.floats("heads.sentiment.classifier.weight") != after.floats("heads.sentiment.classifier.weight"))
    }
}
