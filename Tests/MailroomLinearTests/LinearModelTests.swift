// Tests of the linear model: learning, persistence, determinism and input errors.
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomLinear
import MailroomSampleData
import Testing

@Suite struct LinearModelTests {
    @Test func learnsGeneratedDataFarAboveChance() throws {
        let validation = generatedRows.filter(\.isValidation)
        let report = try Evaluator.evaluate(classifier: sharedModel, rows: validation, batchSize: 32)
        #expect(sharedModel.kind == "linear")
        #expect(sharedModel.heads.map(\.name) == ["line_of_business", "queue", "topic"])
        for head in report.heads {
            let chance = 1 / Double(sharedModel.heads.first { $0.name == head.name }!.labels.count)
            // Macro-F1 must clear chance by a wide margin (the bench measures the real figure).
            #expect(head.metrics.macro.f1 > chance + 0.3, "head \(head.name): macro-F1 \(head.metrics.macro.f1)")
        }
    }

    @Test func saveAndLoadGiveIdenticalLogits() throws {
        let dir = temporaryDirectory("roundtrip")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try sharedModel.save(to: dir)
        let loaded = try LinearModel.load(directory: dir)
        #expect(loaded.heads == sharedModel.heads)
        #expect(loaded.version == "test-1")
        #expect(try ModelManifest.read(directory: dir).kind == "linear")
        let texts = generatedRows.prefix(20).map(\.text) + ["", "Überweisung 1.000 € nicht angekommen"]
        #expect(try loaded.classify(texts) == sharedModel.classify(texts))
    }

    @Test func sameSeedSameModel() throws {
        let rows = Array(generatedRows.prefix(300))
        var o = quickOptions(seed: 3)
        o.epochs = 10
        let a = try LinearTrainer.train(rows: rows, options: o, version: "a")
        let b = try LinearTrainer.train(rows: rows, options: o, version: "b")
        let texts = generatedRows.suffix(10).map(\.text)
        #expect(try a.classify(texts) == b.classify(texts))
    }

    @Test func progressIsFeaturesThenEachHeadsIterations() throws {
        var o = quickOptions()
        o.epochs = 3
        var events: [LinearTrainingProgress] = []
        let model = try LinearTrainer.train(rows: Array(generatedRows.prefix(200)), options: o, version: "p") {
            events.append($0)
        }
        guard case .featuresBuilt(let features, let rows) = events.first else {
            Issue.record("the first event must be featuresBuilt, got \(String(describing: events.first))")
            return
        }
        #expect(features == model.featureCount && rows == 200)
        var started: [String] = []
        var iterations: [String: [Int]] = [:]
        for event in events.dropFirst() {
            switch event {
            case .headStarted(let head, let index, let count):
                #expect(index == started.count && count == 3)
                started.append(head)
            case .iteration(let head, let iteration, let most, let loss):
                #expect(head == started.last && most == 3 && loss > 0)
                iterations[head, default: []].append(iteration)
            default:
                Issue.record("without cross-validation only heads and iterations are reported, got \(event)")
            }
        }
        #expect(started == ["line_of_business", "queue", "topic"])
        #expect(Set(iterations.keys) == Set(started))
        #expect(iterations.values.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0 == Array(1...$0.count) })
    }

    @Test func rowsMissingAHeadDoNotTrainIt() throws {
        let rows = [DatasetRow(id: "1", subject: "", body: "karte gesperrt bitte helfen", labels: ["a": "x", "b": "k"]),
                    DatasetRow(id: "2", subject: "", body: "überweisung nicht angekommen bitte", labels: ["a": "y"]),
                    DatasetRow(id: "3", subject: "", body: "karte verloren bitte sperren", labels: ["a": "x", "b": "l"]),
                    DatasetRow(id: "4", subject: "", body: "überweisung zurückgekommen bitte", labels: ["a": "y"])]
        var o = quickOptions()
        o.minDocumentFrequency = 1
        let m = try LinearTrainer.train(rows: rows, options: o, version: "v")
        #expect(m.heads == [HeadSpec(name: "a", labels: ["x", "y"]), HeadSpec(name: "b", labels: ["k", "l"])])
    }

    @Test func badInputGivesTypedErrors() throws {
        let o = quickOptions()
        #expect(throws: LinearError.noTrainingRows) {
            try LinearTrainer.train(rows: [], options: o, version: "v")
        }
        let unlabelled = [DatasetRow(id: "1", subject: "", body: "hallo welt")]
        #expect(throws: LinearError.noLabels) {
            try LinearTrainer.train(rows: unlabelled, options: o, version: "v")
        }
        let single = [DatasetRow(id: "1", subject: "", body: "hallo", labels: ["q": "A"]),
                      DatasetRow(id: "2", subject: "", body: "welt", labels: ["q": "A"])]
        #expect(throws: LinearError.singleLabel(head: "q", label: "A")) {
            try LinearTrainer.train(rows: single, options: o, version: "v")
        }
        var bad = o
        bad.buckets = 1000
        #expect(throws: LinearError.self) {
            try LinearTrainer.train(rows: generatedRows, options: bad, version: "v")
        }
        let twoRows = [DatasetRow(id: "1", subject: "", body: "xq", labels: ["q": "A"]),
                       DatasetRow(id: "2", subject: "", body: "bk", labels: ["q": "B"])]
        var minDF2 = o
        minDF2.minDocumentFrequency = 2
        #expect(throws: LinearError.noFeatures(minDocumentFrequency: 2)) {
            try LinearTrainer.train(rows: twoRows, options: minDF2, version: "v")
        }
        #expect(LinearError.noTrainingRows.description.contains("split"))
    }

    @Test func loadRejectsMissingOrDamagedFiles() throws {
        #expect(throws: ModelError.self) { try LinearModel.load(directory: "/nonexistent/model") }
        let dir = temporaryDirectory("damaged")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try sharedModel.save(to: dir)
        let weights = (dir as NSString).appendingPathComponent("weights.bin")
        let data = try Data(contentsOf: URL(fileURLWithPath: weights))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: weights))
        #expect(throws: LinearError.self) { try LinearModel.load(directory: dir) }
        var flipped = data
        flipped[0] = UInt8(ascii: "X")
        try flipped.write(to: URL(fileURLWithPath: weights))
        #expect(throws: LinearError.self) { try LinearModel.load(directory: dir) }
    }
}

/// Structured fields: a label only the custodian bank decides is learned from it; absent is a value of its own; a
/// model trained without fields ignores them.
@Suite struct LinearFieldsTests {
    static func rows() -> [DatasetRow] {
        let banks: [String?] = ["Alpha Bank", "Beta Bank", nil]
        let labels = ["alpha", "beta", "direct"]
        let words = ["bitte", "konto", "depot", "überweisung", "karte", "danke", "frage", "termin"]
        return (0..<300).map { i in
            // The text is noise: the label follows the custodian bank alone.
            let text = (0..<6).map { words[($0 * 7 + i * 3 + $0 * i) % words.count] }.joined(separator: " ")
            return DatasetRow(id: "f-\(i)", subject: "", body: text, language: i % 2 == 0 ? "de" : "en",
                              labels: ["owner": labels[i % 3]], split: i % 5 == 0 ? "validation" : "train",
                              custodianBank: banks[i % 3])
        }
    }

    @Test func evidenceNamesTheWordsThatDecided() throws {
        // Topic words of the generated data: a depot transfer is decided by its words, the subject's among them.
        let input = ModelInput(text: "Depotübertrag\nBitte übertragen Sie mein Depot zur Sparkasse.", language: "de")
        let out = try sharedModel.classify(inputs: [input])[0]
        let p = sharedModel.prediction(id: "d", input: input, output: out, evidence: 8)
        let topic = try #require(p.heads["topic"])
        let features = (topic.evidence ?? []).map(\.feature)
        #expect(!features.isEmpty && features.count <= 8)
        #expect(features.contains { $0.contains("depot") || $0.contains("übertragen") || $0.contains("depotübertrag") }, "\(topic.label): \(features)")
        let json = String(decoding: try JSONEncoder().encode(topic), as: UTF8.self)
        #expect(json.contains("\"evidence\""))
        #expect(!String(decoding: try JSONEncoder().encode(sharedModel.prediction(id: "d", output: out).heads["topic"]!), as: UTF8.self).contains("evidence"))
    }

    @Test func aModelTrainedWithTheCustodianBankReadsIt() throws {
        let rows = Self.rows()
        var o = quickOptions()
        o.fields = ["custodian_bank"]
        let model = try LinearTrainer.train(rows: rows.filter { !$0.isValidation }, options: o, version: "fields")
        #expect(model.featureParameters.fields == ["custodian_bank"])
        let valid = rows.filter(\.isValidation)
        let outputs = try model.classify(inputs: valid.map(\.input))
        let predicted = outputs.map { out in model.prediction(id: "", output: out).heads["owner"]!.label }
        #expect(predicted == valid.map { $0.labels["owner"]! }, "the custodian bank decides, absent included")

        // Saved and loaded, the fields travel in config.json.
        let dir = temporaryDirectory("fields")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.save(to: dir)
        let loaded = try LinearModel.load(directory: dir)
        #expect(try loaded.classify(inputs: valid.map(\.input)) == outputs)

        // Text alone: the same rows cannot be told apart much better than chance.
        let textOnly = try LinearTrainer.train(rows: rows.filter { !$0.isValidation }, options: quickOptions(), version: "text")
        #expect(textOnly.featureParameters.fields.isEmpty)
        let blind = try textOnly.classify(inputs: valid.map(\.input))
        #expect(blind == (try textOnly.classify(valid.map(\.text))), "a model without fields ignores them")
        let right = zip(blind, valid).filter { textOnly.prediction(id: "", output: $0).heads["owner"]!.label == $1.labels["owner"] }.count
        #expect(Double(right) / Double(valid.count) < 0.8)

        // Evidence names what decided: here the custodian bank, for the label it predicts.
        let alpha = ModelInput(text: "bitte konto depot", language: "de", custodianBank: "Alpha Bank")
        let why = try #require(model.evidence(for: alpha, head: "owner", label: "alpha", top: 3))
        #expect(why.first?.feature == "custodian_bank=alpha bank" && why.count <= 3 && why.allSatisfy { $0.weight > 0 })
        #expect(zip(why, why.dropFirst()).allSatisfy { $0.weight >= $1.weight }, "largest first")
        let p = model.prediction(id: "e", input: alpha, output: try model.classify(inputs: [alpha])[0], evidence: 2)
        #expect(p.heads["owner"]?.evidence?.count ?? 0 >= 1 && p.heads["owner"]?.evidence?.count ?? 0 <= 2)
        #expect(model.prediction(id: "e", input: alpha, output: try model.classify(inputs: [alpha])[0], evidence: 0).heads["owner"]?.evidence == nil)
        #expect(model.evidence(for: alpha, head: "owner", label: "no-such-label", top: 3) == nil)

        var bad = quickOptions()
        bad.fields = ["customer_tier"]
        #expect { try LinearTrainer.train(rows: rows, options: bad, version: "x") } throws: { "\($0)".contains("unknown field customer_tier") }
    }
}
