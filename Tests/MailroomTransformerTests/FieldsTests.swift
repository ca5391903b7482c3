// FieldsTests: a transformer trained with structured fields records them in its checkpoint and reads them written
// before the text, in training and in serving alike; one trained without them ignores them.
import Foundation
import MailroomCore
@testable import MailroomTransformer
import Testing

@Suite struct FieldsTests {
    @Test func aCheckpointTrainedWithFieldsReadsThemBeforeTheText() throws {
        let rows = TrainerTests.toyRows().map { r in
            var r = r
            r.custodianBank = Int(r.id.dropFirst(4))! % 2 == 0 ? "Alpha Bank" : nil
            return r
        }
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-fields-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        var o = TrainerTests.options(epochs: 1)
        o.fields = ["custodian_bank", "language"]
        _ = try TransformerTrainer.train(encoder: ModelFixture.root + "/bert-uncased", rows: rows.filter { !$0.isValidation },
                                         validation: rows.filter(\.isValidation), options: o, version: "fields-1", out: out) { _ in }
        let model = try TransformerClassifier.load(directory: out, threads: 1)
        #expect(model.fields == ["custodian_bank", "language"])
        #expect(try ModelManifest.read(directory: out).fields == ["custodian_bank", "language"])

        let input = ModelInput(text: "bitte konto depot bank", language: "de", custodianBank: "Alpha Bank")
        #expect(input.prefixed(fields: model.fields) == "[custodian_bank: alpha bank] [language: de]\nbitte konto depot bank")
        let viaInputs = try model.classify(inputs: [input])[0]
        #expect(viaInputs == (try model.classify(encodings: [model.encode(input.prefixed(fields: model.fields))])[0]))
        let bare = try model.classify(encodings: [model.encode(input.text)])[0]
        #expect(viaInputs.tokenCount! > bare.tokenCount!, "the fields are read as tokens")
        #expect(viaInputs != (try model.classify(inputs: [ModelInput(text: input.text)])[0]), "the fields change the logits")
        #expect(try model.classify([input.text])[0] == (try model.classify(inputs: [ModelInput(text: input.text)])[0]),
                "a bare text is an input with every field absent")

        // The same weights without `fields` in config.json ignore the inputs' fields.
        let config = out + "/config.json"
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config))) as! [String: Any]
        var m = json["mailroom"] as! [String: Any]
        m["fields"] = nil
        json["mailroom"] = m
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: config))
        let plain = try TransformerClassifier.load(directory: out, threads: 1)
        #expect(plain.fields.isEmpty)
        #expect(try plain.classify(inputs: [input])[0] == (try plain.classify(encodings: [plain.encode(input.text)])[0]))

        // An unknown field in a checkpoint is named.
        m["fields"] = ["customer_tier"]
        json["mailroom"] = m
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: config))
        #expect { try TransformerClassifier.load(directory: out, threads: 1) } throws: { "\($0)".contains("unknown field customer_tier") }
    }
}
