// Tests of macro-F1 decision tuning (LinearTrainingOptions.decisionTuning): the prior-correction scale is chosen on
// out-of-fold logits of training rows only, and folded into the head's bias.
import Foundation
import MailroomCore
@testable import MailroomLinear
import MailroomSampleData
import Testing

@Suite struct DecisionTuningTests {
    @Test func priorCorrectionIsMinusLogShare() {
        let c = DecisionTuner.priorCorrection(targets: [0, 0, 0, 1], classCount: 3)
        #expect(abs(c[0] - -log(0.75)) < 1e-6 && abs(c[1] - -log(0.25)) < 1e-6)
        #expect(c[2] == c[1], "an absent class gets the largest present correction")
    }

    @Test func scaleFavoursARareClassTheLogitsUnderPredict() {
        // 90 rows of class 0, 10 of class 1; the logits lean to class 0 by 1.0 everywhere, but class-1 rows sit
        // 0.5 closer: plain argmax never predicts class 1 (macro-F1 ≈ 0.47); a positive α separates them.
        var logits: [[Float]] = [], targets: [Int] = []
        for i in 0..<100 {
            let rare = i % 10 == 0
            logits.append(rare ? [1.0, 0.5] : [1.0, 0.0])
            targets.append(rare ? 1 : 0)
        }
        let correction = DecisionTuner.priorCorrection(targets: targets, classCount: 2)
        let choice = DecisionTuner.chooseScale(logits: logits, targets: targets, correction: correction)
        #expect(choice.scale > 0)
        #expect(choice.outOfFoldMacroF1.tuned == 1.0)
        #expect(choice.outOfFoldMacroF1.plain < 0.5)
    }

    @Test func tiesKeepTheArgmax() {
        let logits: [[Float]] = [[2, 0], [0, 2], [2, 0], [0, 2]]
        let choice = DecisionTuner.chooseScale(logits: logits, targets: [0, 1, 0, 1],
                                               correction: DecisionTuner.priorCorrection(targets: [0, 1, 0, 1], classCount: 2))
        #expect(choice.scale == 0 && choice.outOfFoldMacroF1.plain == 1)
    }

    static let rows = Array(SampleDataGenerator.dataset(count: 500, seed: 5, validationFraction: 0.2))

    static func train(_ rows: [DatasetRow], tuning: DecisionTuning) throws -> (LinearModel, [String: DecisionChoice]) {
        var o = quickOptions(seed: 2)
        o.epochs = 25
        o.decisionTuning = tuning
        var chosen: [String: DecisionChoice] = [:]
        let model = try LinearTrainer.train(dataset: rows, options: o, version: "dt") { p in
            if let d = p.decision, let h = p.head { chosen[h] = d }
        }
        return (model, chosen)
    }

    @Test func trainingTunesEveryHeadFromTrainingRowsOnly() throws {
        let (tuned, chosen) = try Self.train(Self.rows, tuning: .priorScale)
        let (plain, none) = try Self.train(Self.rows, tuning: .none)
        #expect(none.isEmpty)
        #expect(Set(chosen.keys) == Set(tuned.heads.map(\.name)))
        for (head, d) in chosen {
            #expect(DecisionTuner.scales.contains(d.scale), "head \(head)")
            #expect(d.outOfFoldMacroF1.tuned >= d.outOfFoldMacroF1.plain)
        }
        // Only biases move, each by exactly α · (−log share) of its class: weights are those of the untuned model.
        let training = Self.rows.filter { !$0.isValidation }
        var moved = 0
        for (t, p) in zip(tuned.headWeights, plain.headWeights) {
            #expect(t.weights == p.weights)
            let d = chosen[t.spec.name]!
            let targets = training.compactMap { $0.labels[t.spec.name].flatMap { t.spec.labels.firstIndex(of: $0) } }
            let correction = DecisionTuner.priorCorrection(targets: targets, classCount: t.spec.labels.count)
            for c in t.bias.indices {
                #expect(abs(t.bias[c] - (p.bias[c] + d.scale * correction[c])) < 1e-5, "head \(t.spec.name) class \(c)")
            }
            if d.scale != 0 { moved += 1 }
        }
        #expect(moved > 0, "on this data at least one head should prefer a non-zero scale; otherwise the test shows nothing")
        // Validation rows (scrambled, or absent) change nothing.
        var scrambled = Self.rows
        for i in scrambled.indices where scrambled[i].isValidation {
            scrambled[i].body = "zz \(i)"
            scrambled[i].labels = Self.rows[(i * 7 + 3) % Self.rows.count].labels
        }
        let (other, otherChosen) = try Self.train(scrambled, tuning: .priorScale)
        #expect(otherChosen == chosen)
        let texts = Self.rows.prefix(5).map(\.text)
        #expect(try other.classify(texts) == tuned.classify(texts))
    }
}
