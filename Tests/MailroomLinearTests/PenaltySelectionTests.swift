// Tests of per-head L2 selection by cross-validation on training rows (LinearTrainingOptions.l2Grid).
import Foundation
import MailroomCore
@testable import MailroomLinear
import MailroomSampleData
import Testing

@Suite struct PenaltySelectionTests {
    static let grid: [Float] = [0.05, 0.3, 2.0]

    static func options() -> LinearTrainingOptions {
        var o = quickOptions(seed: 3)
        o.epochs = 25
        o.l2Grid = grid
        return o
    }

    /// Trains on `dataset` and returns the model and the penalty chosen per head.
    static func train(_ dataset: [DatasetRow]) throws -> (LinearModel, [String: PenaltyChoice]) {
        var chosen: [String: PenaltyChoice] = [:]
        let model = try LinearTrainer.train(dataset: dataset, options: options(), version: "cv") { p in
            if let c = p.chosenPenalty, let h = p.head { chosen[h] = c }
        }
        return (model, chosen)
    }

    static let rows = Array(SampleDataGenerator.dataset(count: 500, seed: 11, validationFraction: 0.2))

    @Test func choosesFromTheGridDeterministically() throws {
        let (a, chosenA) = try Self.train(Self.rows)
        let (b, chosenB) = try Self.train(Self.rows)
        #expect(Set(chosenA.keys) == Set(a.heads.map(\.name)))
        for (head, choice) in chosenA {
            #expect(Self.grid.contains(choice.l2), "head \(head) chose \(choice.l2)")
            #expect(Set(choice.scores.keys) == Set(Self.grid))
            #expect(choice.scores.values.allSatisfy { $0 > 0 && $0 <= 1 })
            #expect(choice.scores[choice.l2] == choice.scores.values.max())
        }
        #expect(chosenA == chosenB)
        let text = "Subject: invoice overdue\nPlease resend the invoice for order 4411, it is overdue."
        #expect(try a.classify([text]) == b.classify([text]))
    }

    @Test func validationRowsNeverInfluenceTheChoiceOrTheModel() throws {
        let (model, chosen) = try Self.train(Self.rows)
        // Same training rows, validation rows with scrambled labels and texts: nothing may change.
        var scrambled = Self.rows
        for i in scrambled.indices where scrambled[i].isValidation {
            scrambled[i].subject = "zz unrelated \(i)"
            scrambled[i].body = "qq"
            let donor = Self.rows[(i * 7 + 3) % Self.rows.count]
            scrambled[i].labels = donor.labels
        }
        let (other, otherChosen) = try Self.train(scrambled)
        // And with no validation rows at all.
        let (bare, bareChosen) = try Self.train(Self.rows.filter { !$0.isValidation })
        #expect(chosen == otherChosen)
        #expect(chosen == bareChosen)
        let texts = Self.rows.prefix(5).map(\.text)
        let outputs = try model.classify(texts)
        #expect(try other.classify(texts) == outputs)
        #expect(try bare.classify(texts) == outputs)
    }

    @Test func naiveBayesScalingIsChosenJointlyFromTrainingRowsOnly() throws {
        var o = Self.options()
        o.l2Grid = [0.3]
        o.naiveBayesGrid = [0, 0.5]
        var fits: [String: [Int]] = [:]
        func train(_ rows: [DatasetRow]) throws -> (LinearModel, [String: PenaltyChoice]) {
            var chosen: [String: PenaltyChoice] = [:]
            fits = [:]
            let model = try LinearTrainer.train(dataset: rows, options: o, version: "nb-cv") { p in
                if let c = p.chosenPenalty, let h = p.head { chosen[h] = c }
                if let f = p.crossValidationFits, let h = p.head {
                    #expect(f.total == 6, "2 exponents × 3 folds × 1 penalty")
                    fits[h, default: []].append(f.done)
                }
            }
            return (model, chosen)
        }
        let (model, chosen) = try train(Self.rows)
        // Progress: a report before the first fit and one per fit, counting up to the total, for every head.
        #expect(Set(fits.keys) == Set(model.heads.map(\.name)))
        #expect(fits.values.allSatisfy { $0 == Array(0...6) })
        #expect(Set(chosen.keys) == Set(model.heads.map(\.name)))
        for (head, c) in chosen {
            #expect([0, 0.5].contains(c.naiveBayes), "head \(head) chose γ \(c.naiveBayes)")
            #expect(Set(c.naiveBayesScores.keys) == [0, 0.5])
            #expect(c.naiveBayesScores[c.naiveBayes] == c.naiveBayesScores.values.max())
            #expect(c.l2 == 0.3)
        }
        // The chosen exponent is the one the head is fitted with: a head that chose 0 equals the plain fit, one that
        // chose 0.5 does not.
        var plainOptions = Self.options()
        plainOptions.l2Grid = []
        plainOptions.l2 = 0.3
        let plain = try LinearTrainer.train(dataset: Self.rows, options: plainOptions, version: "plain")
        for (cv, p) in zip(model.headWeights, plain.headWeights) {
            let gamma = try #require(chosen[cv.spec.name]).naiveBayes
            #expect((cv.weights == p.weights) == (gamma == 0), "head \(cv.spec.name) chose γ \(gamma)")
        }
        // Validation rows play no part: training on the training rows alone gives the same choices and model.
        let (bare, bareChosen) = try train(Self.rows.filter { !$0.isValidation })
        #expect(bareChosen == chosen)
        let texts = Self.rows.prefix(5).map(\.text)
        #expect(try bare.classify(texts) == model.classify(texts))
        o.naiveBayesGrid = [0, 5]
        #expect(throws: LinearError.self) { try o.validate() }
    }

    @Test func badGridOrFoldsAreRejected() {
        var o = LinearTrainingOptions()
        o.l2Grid = [0.1, -1]
        #expect(throws: LinearError.self) { try o.validate() }
        o.l2Grid = [0.1, 0.3]
        o.crossValidationFolds = 1
        #expect(throws: LinearError.self) { try o.validate() }
    }
}
