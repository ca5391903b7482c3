// Tests of per-head L2 and naive-Bayes selection by cross-validation on training rows (LinearTrainingOptions.crossValidation).
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
        o.crossValidation = CrossValidationGrid(penalties: grid, naiveBayesExponents: [])
        return o
    }

    /// Trains on `dataset` and returns the model and the penalty chosen per head.
    static func train(_ dataset: [DatasetRow]) throws -> (LinearModel, [String: PenaltyChoice]) {
        var chosen: [String: PenaltyChoice] = [:]
        let model = try LinearTrainer.train(dataset: dataset, options: options(), version: "cv") { p in
            if case .penaltyChosen(let h, let c) = p { chosen[h] = c }
        }
        return (model, chosen)
    }

    static let rows = Array(SampleDataGenerator.dataset(count: 500, seed: 11, validationFraction: 0.2))

    @Test func choosesFromTheGridDeterministically() throws {
        let (a, chosenA) = try Self.train(Self.rows)
        let (b, chosenB) = try Self.train(Self.rows)
        #expect(Set(chosenA.keys) == Set(a.heads.map(\.name)))
        for (head, choice) in chosenA {
            // The grid, plus at most 3 doublings of its strongest and 3 halvings of its weakest penalty.
            let tried = Set(choice.scores.keys)
            let allowed = Set(Self.grid + [4.0, 8.0, 16.0, 0.025, 0.0125, 0.00625])
            #expect(tried.isSuperset(of: Self.grid) && tried.isSubset(of: allowed), "head \(head) tried \(tried)")
            #expect(tried.contains(choice.l2), "head \(head) chose \(choice.l2)")
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
        o.crossValidation = CrossValidationGrid(penalties: [0.3], naiveBayesExponents: [0, 0.5])
        var fits: [String: [Int]] = [:]
        func train(_ rows: [DatasetRow]) throws -> (LinearModel, [String: PenaltyChoice]) {
            var chosen: [String: PenaltyChoice] = [:]
            fits = [:]
            let model = try LinearTrainer.train(dataset: rows, options: o, version: "nb-cv") { p in
                switch p {
                case .penaltyChosen(let h, let c): chosen[h] = c
                case .crossValidationFit(let h, let done, let total):
                    #expect(total == 6, "2 exponents × 3 folds × 1 penalty")
                    fits[h, default: []].append(done)
                default: break
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
        plainOptions.crossValidation = nil
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
        o.crossValidation?.naiveBayesExponents = [0, 5]
        #expect(throws: LinearError.self) { try o.validate() }
    }

    /// Scores peaking at `peak` on a log scale (as a CV curve over penalties might).
    static func peaked(at peak: Float) -> (Float) -> Double {
        { penalty in -pow(Double(log(penalty) - log(peak)), 2) }
    }

    static func extend(grid: [Float], peak: Float, extensions: Int) -> (tried: [Float], best: Float, scored: [Float]) {
        var tried = grid.sorted(by: >)
        let score = peaked(at: peak)
        var sums = tried.map(score)
        var scored: [Float] = []
        PenaltySelection.extendPastEdges(&tried, sums: &sums, extensions: extensions) { p in
            scored.append(p)
            return score(p)
        }
        #expect(sums == tried.map(score), "every score sits next to its penalty")
        return (tried, tried[PenaltySelection.bestIndex(sums)], scored)
    }

    @Test func aBestPenaltyAtTheGridsEdgeExtendsTheGrid() {
        let grid: [Float] = [0.1, 0.2, 0.3, 0.5, 1.0]
        // Peak inside: nothing more is tried.
        let inside = Self.extend(grid: grid, peak: 0.3, extensions: 3)
        #expect(inside.scored.isEmpty && inside.best == 0.3)
        // Peak above the grid: doubling until the best is inside (2 and 4 better than 1, 8 worse).
        let above = Self.extend(grid: grid, peak: 3, extensions: 3)
        #expect(above.scored == [2, 4, 8])
        #expect(above.tried == [8, 4, 2, 1, 0.5, 0.3, 0.2, 0.1])
        #expect(above.best == 4)
        // ... but at most `extensions` times.
        let capped = Self.extend(grid: grid, peak: 3, extensions: 1)
        #expect(capped.scored == [2] && capped.best == 2)
        // Peak below: halving, strongest-first order kept.
        let below = Self.extend(grid: grid, peak: 0.001, extensions: 3)
        #expect(below.scored == [0.05, 0.025, 0.0125])
        #expect(below.tried.last == 0.0125 && below.best == 0.0125)
        // Off, or a single penalty (the user fixed λ): nothing more is tried.
        #expect(Self.extend(grid: grid, peak: 3, extensions: 0).scored.isEmpty)
        #expect(Self.extend(grid: [0.3], peak: 3, extensions: 3).scored.isEmpty)
    }

    @Test func extensionsReachTrainingAndShowInTheChoiceAndProgress() throws {
        // Penalties so strong that the CV prefers weaker ones: the choice must leave the grid, and the progress
        // total must grow by one fold set (3 fits) per extension.
        var o = Self.options()
        o.crossValidation?.penalties = [50, 100]
        var totals: [String: Set<Int>] = [:]
        var chosen: [String: PenaltyChoice] = [:]
        _ = try LinearTrainer.train(dataset: Self.rows, options: o, version: "edge") { p in
            switch p {
            case .penaltyChosen(let h, let c): chosen[h] = c
            case .crossValidationFit(let h, _, let total): totals[h, default: []].insert(total)
            default: break
            }
        }
        var extended = 0
        for (head, c) in chosen {
            let extra = c.scores.count - 2
            #expect((0...6).contains(extra))
            #expect(totals[head]?.max() == 3 * c.scores.count, "head \(head): \(totals[head] ?? [])")
            if c.l2 < 50 { extended += 1 }
        }
        #expect(extended > 0, "no head left the grid: \(chosen.mapValues(\.l2))")
        o.crossValidation?.edgeExtensions = 9
        #expect(throws: LinearError.self) { try o.validate() }
    }

    @Test func macroF1AveragesOverTheClassesThatOccur() {
        // Class 0: F1 2·1/(2·1+1+1) = 0.5; class 1: 2·2/(2·2+1+0) = 0.8; class 2: 0 (missed); class 3 absent.
        let f1 = PenaltySelection.macroF1(truth: [0, 0, 1, 1, 2], predicted: [0, 1, 1, 1, 0], classCount: 4)
        #expect(abs(f1 - 1.3 / 3) < 1e-12)
        #expect(PenaltySelection.macroF1(truth: [], predicted: [], classCount: 2) == 0)
    }

    @Test func badGridOrFoldsAreRejected() throws {
        var o = LinearTrainingOptions()
        o.crossValidation = CrossValidationGrid(penalties: [0.1, -1], naiveBayesExponents: [])
        #expect(throws: LinearError.self) { try o.validate() }
        o.crossValidation = CrossValidationGrid(penalties: [0.1, 0.3], naiveBayesExponents: [], folds: 1)
        #expect(throws: LinearError.self) { try o.validate() }
        o.crossValidation?.folds = 2
        try o.validate()
        #expect(CrossValidationGrid.standard.penalties == [0.1, 0.2, 0.3, 0.5, 1.0])
        #expect(CrossValidationGrid.standard.naiveBayesExponents == [0, 0.5])
        #expect(CrossValidationGrid.standard.folds == 3 && CrossValidationGrid.standard.edgeExtensions == 3)
    }
}
