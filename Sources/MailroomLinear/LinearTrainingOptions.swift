// LinearTrainingOptions: the knobs of the linear trainer (features and optimiser), and its progress reports.
import Foundation

/// How rare classes are weighted in the loss.
public enum ClassWeighting: String, Codable, Sendable {
    /// Each class weighs `n / (classes · count(class))`, as scikit-learn's `class_weight="balanced"`.
    case balanced
    /// Every row weighs 1.
    case none
}

/// How the heads are fitted.
public enum LinearOptimizer: String, Codable, Sendable {
    /// Full-batch L-BFGS on the exact objective (deterministic; the default).
    case lbfgs
    /// Shuffled per-row AdaGrad epochs with lazy L2 and weight averaging (faster per pass, less exact).
    case adagrad
}

/// Settings for ``LinearTrainer/train(rows:validation:options:version:progress:)``.
///
/// The defaults are the ones measured in `Scripts/bench-linear` (see BENCHMARKS.md, "Linear model").
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
    public var optimizer: LinearOptimizer = .lbfgs
    /// L-BFGS: most iterations per head (each is one or a few passes over the rows).
    /// AdaGrad: passes over the training rows.
    public var epochs: Int = 200
    /// AdaGrad base step size (unused by L-BFGS).
    public var learningRate: Float = 0.1
    /// L2 penalty λ on the *summed* class-weighted loss: λ = 1/C of scikit-learn's `LogisticRegression`
    /// (0.1 ≙ C = 10). AdaGrad applies λ/N per touched weight and step.
    public var l2: Float = 0.3
    /// L-BFGS: when not empty, fit one model per penalty here (instead of ``l2``) and average them:
    /// a cheap ensemble that is robust when heads differ in how much regularisation suits them.
    public var l2Ensemble: [Float] = []
    /// Threads for the L-BFGS gradient (rows are split into this many fixed chunks).
    public var threads: Int = 2
    public var classWeighting: ClassWeighting = .balanced
    /// Seeds the row shuffling; the same seed and data give the same model.
    public var seed: UInt64 = 0
    /// AdaGrad: average the weights over the last half of the epochs (smoother, usually better).
    public var averageWeights: Bool = true
    /// AdaGrad with validation rows: keep the epoch with the best mean validation macro-F1.
    public var selectBestEpochOnValidation: Bool = false

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
        guard learningRate > 0, learningRate.isFinite else {
            throw .invalidOption("learningRate must be positive, got \(learningRate)")
        }
        guard l2 >= 0, l2.isFinite else { throw .invalidOption("l2 must be zero or positive, got \(l2)") }
        guard l2Ensemble.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalidOption("l2Ensemble penalties must be zero or positive, got \(l2Ensemble)")
        }
        guard firstLineWeight >= 0, firstLineWeight.isFinite else {
            throw .invalidOption("firstLineWeight must be zero or positive, got \(firstLineWeight)")
        }
        guard threads >= 1 else { throw .invalidOption("threads must be at least 1, got \(threads)") }
        guard minDocumentFrequency >= 1 else { throw .invalidOption("minDocumentFrequency must be at least 1") }
    }
}

/// One progress report of the trainer, sent after every epoch (AdaGrad) or iteration (L-BFGS, per head).
public struct LinearTrainingProgress: Sendable {
    /// L-BFGS: the head being fitted; nil for AdaGrad (all heads at once).
    public var head: String?
    /// 1-based epoch (or iteration) that just finished, and the most there will be.
    public var epoch: Int
    public var epochs: Int
    /// AdaGrad: mean class-weighted cross-entropy over the epoch's rows, summed over heads.
    /// L-BFGS: the head's objective (penalised loss) divided by its row count.
    public var loss: Double
    /// Mean validation macro-F1 over heads, when validation rows were given.
    public var validationMacroF1: Double?
    /// Seconds since training started.
    public var seconds: Double
}
