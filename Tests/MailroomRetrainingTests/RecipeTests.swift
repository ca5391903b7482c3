// RecipeTests: the champion's recipe read back from its training.json, for each kind (a hybrid's parts apart).
import Foundation
import MailroomRegistry
@testable import MailroomRetraining
import MailroomTraining
import Testing

@Suite struct RecipeTests {
    static func record(_ kind: String, _ parameters: [String: String]) -> TrainingRecord {
        TrainingRecord(kind: kind, dataPath: "d.jsonl", dataSHA256: "ab", dataRows: 10, trainRows: 8, validationRows: 2,
                       encoder: "/enc", parameters: parameters, startedAt: "t0", finishedAt: "t1")
    }

    @Test func aHybridsPartsKeepTheirOwnSettings() {
        let (r, notes) = Recipe.request(from: Self.record("hybrid", [
            "linear.epochs": "77", "linear.l2": "0.5", "linear.class_weighting": "balanced",
            "transformer.epochs": "3", "transformer.max_length": "96", "transformer.learning_rate": "0.0002",
            "transformer.class_weighting": "none", "fields": "custodian_bank,language", "calibration_holdout": "0.2",
            "review_targets": "queue=0.95"]), data: "x.jsonl", out: "o", version: "v2")
        #expect(notes.isEmpty)
        #expect(r.kind == .hybrid && r.encoder == "/enc")
        #expect(r.linear.epochs == 77 && r.linear.l2 == 0.5 && r.linear.classWeighting == .balanced)
        #expect(r.transformer.epochs == 3 && r.transformer.maxLength == 96 && r.transformer.learningRate == 0.0002)
        #expect(r.transformer.classWeighting == .none)
        #expect(r.fields == ["custodian_bank", "language"] && r.calibration.holdout == 0.2 && r.calibration.reviewTargets == ["queue": 0.95])
    }

    @Test func aSingleKindReadsItsUnprefixedSettings() {
        let (linear, _) = Recipe.request(from: Self.record("linear", ["epochs": "55", "transformer.epochs": "9"]), data: "x", out: "o", version: "v")
        #expect(linear.kind == .linear && linear.linear.epochs == 55)
        let (transformer, _) = Recipe.request(from: Self.record("transformer", ["epochs": "2", "linear.epochs": "9"]), data: "x", out: "o", version: "v")
        #expect(transformer.kind == .transformer && transformer.transformer.epochs == 2 && transformer.linear.epochs != 9)
        let (unreadable, notes) = Recipe.request(from: Self.record("hybrid", ["transformer.epochs": "many"]), data: "x", out: "o", version: "v")
        #expect(unreadable.kind == .hybrid && notes == ["parameter transformer.epochs=many not readable; default kept"])
    }
}
