// LinearTrainingOptions: the linear trainer's recipe (features, penalty, optional cross-validated choice per head).
import Foundation
import MailroomCore

/// Settings for ``LinearTrainer/train(rows:options:version:progress:)``.
///
/// The defaults are the product's fixed settings measured in `Benchmarks/bench-linear` (BENCHMARKS.md, "Linear model":
/// λ 0.3, no naive-Bayes scaling); ``crossValidation`` set to ``CrossValidationGrid/standard`` is
/// `mailroom train --select-by-cv`. Each head is a multinomial logistic regression fitted by full-batch L-BFGS.
public struct LinearTrainingOptions: Sendable {
    /// Feature-hashing space; a power of two. Only buckets seen in training take memory.
    public var buckets: Int = 1 << 21
    /// Word n-gram lengths (inclusive), on tokens of two or more letters/digits.
    public var wordNGrams: ClosedRange<Int> = 1...2
    /// Character n-gram lengths (inclusive) inside whitespace-separated words padded with spaces.
    public var charNGrams: ClosedRange<Int> = 2...5
    /// Also hash the first line's words (the subject of `subject + "\n" + body`) as a separate group.
    public var firstLineWords: Bool = true
    /// Length of the first-line group's vector relative to the word and character groups (1 each).
    public var firstLineWeight: Double = 0.3
    /// A bucket is kept only when it occurs in at least this many training rows.
    public var minDocumentFrequency: Int = 2
    /// Structured fields read as one-hot features (``ModelInput/fieldNames``); empty: text alone.
    public var fields: [String] = []
    /// Length of the fields group's vector (the word and character groups have length 1).
    public var fieldWeight: Double = 1
    /// The heads that read the fields; nil: every head. The others are fitted on the text alone (their weights on
    /// the field features are zero), as `mailroom train` chooses per head on held-out training rows.
    public var fieldHeads: Set<String>? = nil
    /// Most L-BFGS iterations per head (each is one or a few passes over the rows).
    public var epochs: Int = 200
    /// L2 penalty λ on the *summed* class-weighted loss: λ = 1/C of scikit-learn's `LogisticRegression`
    /// (0.1 ≙ C = 10). Used when ``crossValidation`` is nil or offers no penalties.
    public var l2: Float = 0.3
    /// Exponent γ of per-head naive-Bayes feature scaling (``NaiveBayesScaling``): each head is fitted on features
    /// scaled by (max over classes of |log-count ratio|)^γ, then the scales are folded into its weights (the saved
    /// model reads raw features). 0 turns it off (the default). Used when ``crossValidation`` is nil or offers no
    /// exponents.
    public var naiveBayesScaling: Double = 0
    /// When set, each head's penalty and naive-Bayes exponent are chosen from this grid by stratified k-fold
    /// cross-validation macro-F1 on the *training rows only*, then the head is refitted on all training rows with
    /// them. Off by default: it costs about `folds × grid` extra fits per head (several times the default training
    /// time). `mailroom train --select-by-cv` and `Benchmarks/bench-linear` use ``CrossValidationGrid/standard``.
    public var crossValidation: CrossValidationGrid? = nil
    /// Threads for the L-BFGS gradient (rows are split into this many fixed chunks).
    public var threads: Int = 2
    public var classWeighting: ClassWeighting = .balanced
    /// Seeds the cross-validation folds; the same seed and data give the same model.
    public var seed: UInt64 = 0

    public init() {}

    /// Checks ranges; throws ``LinearError/invalidOption(_:)`` naming the bad option.
    public func validate() throws(LinearError) {
        guard buckets >= 16, buckets & (buckets - 1) == 0, buckets <= 1 << 30 else {
            throw .invalidOption("buckets must be a power of two between 16 and 2^30, got \(buckets)")
        }
        guard wordNGrams.lowerBound >= 1, charNGrams.lowerBound >= 1, charNGrams.upperBound <= 12,
              wordNGrams.upperBound <= 4 else {
            throw .invalidOption("n-gram ranges must be within words 1...4 and characters 1...12")
        }
        guard epochs >= 1 else { throw .invalidOption("epochs must be at least 1, got \(epochs)") }
        guard l2 >= 0, l2.isFinite else { throw .invalidOption("l2 must be zero or positive, got \(l2)") }
        guard firstLineWeight >= 0, firstLineWeight.isFinite else {
            throw .invalidOption("firstLineWeight must be zero or positive, got \(firstLineWeight)")
        }
        guard naiveBayesScaling >= 0, naiveBayesScaling <= 4 else {
            throw .invalidOption("naiveBayesScaling must be between 0 (off) and 4, got \(naiveBayesScaling)")
        }
        guard threads >= 1 else { throw .invalidOption("threads must be at least 1, got \(threads)") }
        for f in fields where !ModelInput.fieldNames.contains(f) {
            throw .invalidOption("unknown field \(f); the fields a model can read are \(ModelInput.fieldNames.joined(separator: ", "))")
        }
        guard fieldWeight >= 0, fieldWeight.isFinite else { throw .invalidOption("fieldWeight must be zero or positive, got \(fieldWeight)") }
        guard minDocumentFrequency >= 1 else { throw .invalidOption("minDocumentFrequency must be at least 1") }
        try crossValidation?.validate()
    }
}
