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
/// The defaults are the ones measured in `Benchmarks/bench-linear` (see BENCHMARKS.md, "Linear model").
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
    /// L-BFGS: when it holds two or more penalties, each head's penalty is chosen from them by stratified
    /// k-fold cross-validation (``crossValidationFolds``) macro-F1 on the *training rows only*, then the head
    /// is refitted on all training rows with it (``l2`` and ``l2Ensemble`` are then unused). Validation rows are
    /// never used for the choice. **Off by default** (empty): it costs about `folds × grid` extra fits per head
    /// (several times the default training time, over the ~1 minute budget of `mailroom train` on the 6000-row
    /// sample set on 2 cores). `Benchmarks/bench-linear` turns it on with ``benchmarkL2Grid``.
    public var l2Grid: [Float] = []
    /// L-BFGS: tune each head's decision rule for macro-F1 on out-of-fold logits of the training rows
    /// (``crossValidationFolds`` extra fits per head); the result is folded into the head's bias, so the saved model
    /// format is unchanged. See ``DecisionTuning``.
    public var decisionTuning: DecisionTuning = .none
    /// L-BFGS: exponent γ of per-head naive-Bayes feature scaling (``NaiveBayesScaling``): each head is fitted on
    /// features scaled by (max over classes of |log-count ratio|)^γ, then the scales are folded into its weights
    /// (the saved model reads raw features). 0 turns it off (the default). With ``l2Grid`` or ``decisionTuning``
    /// their folds use the scales computed on all training rows.
    public var naiveBayesScaling: Double = 0
    /// L-BFGS: when it holds two or more exponents, each head's ``naiveBayesScaling`` is chosen from them by the
    /// same k-fold cross-validation on the training rows as ``l2Grid`` (jointly with it when that is set; each fold
    /// computes its scales from its own training part). Off by default (empty); `Benchmarks/bench-linear` uses
    /// ``benchmarkNaiveBayesGrid``.
    public var naiveBayesGrid: [Double] = []
    /// The exponents `Benchmarks/bench-linear` selects from (none, or square-root log-count-ratio scaling).
    public static let benchmarkNaiveBayesGrid: [Double] = [0, 0.5]
    /// With ``l2Grid``: when a head's best penalty is the grid's strongest (or weakest), a penalty twice as strong (or
    /// half as strong) is tried as well, and so on, at most this many times per side, so the choice is not clipped by
    /// the grid's range. 0 keeps the choice inside the grid.
    public var gridEdgeExtensions: Int = 3
    /// With ``l2Grid`` or ``naiveBayesGrid``: rebuild the feature space (kept n-grams by min_df, idf) inside each
    /// cross-validation fold from that fold's training part, so a fold's held-out rows do not shape the features they
    /// are scored with. Off by default (experimental; see BENCHMARKS.md "Linear model").
    public var foldLocalFeatures: Bool = false
    /// Folds for ``l2Grid`` selection and ``decisionTuning`` (at least 2).
    public var crossValidationFolds: Int = 3
    /// The grid `Benchmarks/bench-linear` selects from.
    public static let benchmarkL2Grid: [Float] = [0.1, 0.2, 0.3, 0.5, 1.0]
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
        guard l2Grid.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalidOption("l2Grid penalties must be zero or positive, got \(l2Grid)")
        }
        guard (0...8).contains(gridEdgeExtensions) else {
            throw .invalidOption("gridEdgeExtensions must be between 0 and 8, got \(gridEdgeExtensions)")
        }
        guard crossValidationFolds >= 2 else {
            throw .invalidOption("crossValidationFolds must be at least 2, got \(crossValidationFolds)")
        }
        guard firstLineWeight >= 0, firstLineWeight.isFinite else {
            throw .invalidOption("firstLineWeight must be zero or positive, got \(firstLineWeight)")
        }
        guard naiveBayesScaling >= 0, naiveBayesScaling <= 4, naiveBayesGrid.allSatisfy({ $0 >= 0 && $0 <= 4 }) else {
            throw .invalidOption("naive-Bayes scaling exponents must be between 0 (off) and 4, got "
                                 + "\(naiveBayesScaling) and grid \(naiveBayesGrid)")
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
    /// L-BFGS with ``LinearTrainingOptions/decisionTuning``: the head's tuned decision (sent once per head, after its
    /// final fit, with `epoch` 0); nil otherwise.
    public var decision: DecisionChoice? = nil
    /// Mean validation macro-F1 over heads, when validation rows were given.
    public var validationMacroF1: Double?
    /// L-BFGS with ``LinearTrainingOptions/l2Grid``: the head's penalty chosen by cross-validation on the
    /// training rows (sent once per head, before its final fit, with `epoch` 0); nil otherwise.
    public var chosenPenalty: PenaltyChoice? = nil
    /// L-BFGS with ``LinearTrainingOptions/l2Grid`` or ``LinearTrainingOptions/naiveBayesGrid``: cross-validation
    /// fits done so far for the head and how many there will be (sent before the first and after each, with
    /// `epoch` 0); nil otherwise.
    public var crossValidationFits: (done: Int, total: Int)? = nil
    /// Seconds since training started.
    public var seconds: Double
}
