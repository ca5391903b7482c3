// TransformerTrainingOptions: the settings, progress reports, results and errors of transformer fine-tuning.
import MailroomCore

/// Fine-tuning settings (`mailroom train --kind transformer`). Defaults follow the PyTorch reference recipe.
public struct TransformerTrainingOptions: Sendable {
    public var epochs = 4
    public var learningRate: Float = 1e-4
    public var batchSize = 16
    /// Tokens per input, `[CLS]`/`[SEP]` included (used when creating heads on a bare encoder).
    public var maxLength = 128
    public var seed: UInt64 = 0
    /// Train the heads only; the encoder runs in inference mode and is not updated.
    public var freezeEncoder = false
    public var threads = 2
    public var weightDecay: Float = 0.01
    /// Fraction of all updates spent warming the learning rate up linearly (then it decays linearly to 0).
    public var warmupFraction: Float = 0.1
    /// Global gradient-norm clip.
    public var clipNorm: Float = 1.0
    /// One dropout probability for embeddings, attention, hidden layers and heads; nil: the encoder config's
    /// (hidden / attention dropout) and 0.1 for the heads.
    public var dropout: Float? = nil
    /// Loss weight per head name (default 1).
    public var headWeights: [String: Float] = [:]
    /// How cross-entropy weighs classes (per head, from the training rows; ``ClassWeighting/balanced`` is
    /// scikit-learn's, as the linear model's). The loss divides by the batch's summed weights, so only their ratios
    /// matter.
    public var classWeighting: ClassWeighting = .none
    /// A previous output directory (or its `trainer_state/`) to continue from.
    public var resumeFrom: String? = nil
    /// Held-out fraction of the training rows used for validation when no validation rows are given.
    public var validationFraction: Double = 0.1
    /// Stop after this many epochs in this run (leaving a resumable state); nil: run to `epochs`.
    public var epochLimitThisRun: Int? = nil
    /// Structured fields written before each text (``ModelInput/prefixed(fields:)``); empty: the text alone.
    public var fields: [String] = []

    public init() {}
}

/// One event of a fine-tuning run, sent on the calling thread.
public enum TransformerTrainingProgress: Sendable {
    /// After every optimizer update: the 1-based epoch, updates done over all epochs (`step` of `of`), the epoch's
    /// mean training loss so far, its throughput and the estimated seconds to the end of training (validation
    /// excluded).
    case step(epoch: Int, step: Int, of: Int, loss: Float, sequencesPerSecond: Double, etaSeconds: Double)
    /// After an epoch's validation: its record, and whether it is the best so far by mean validation macro-F1 (then
    /// the checkpoint in `out` now holds it).
    case epochFinished(EpochRecord, isBest: Bool)
}

/// Validation figures of one head.
public struct HeadValidation: Codable, Sendable, Equatable {
    public var accuracy: Double
    public var macroF1: Double
    public var count: Int
}

/// One epoch's record in the training history.
public struct EpochRecord: Codable, Sendable, Equatable {
    public var epoch: Int
    public var trainLoss: Double
    public var seconds: Double
    public var sequencesPerSecond: Double
    public var validation: [String: HeadValidation]
    public var meanMacroF1: Double
}

/// What a training run produced.
public struct TransformerTrainingSummary: Codable, Sendable {
    /// The best checkpoint's directory (`out`).
    public var checkpoint: String
    public var bestEpoch: Int
    public var bestMeanMacroF1: Double
    public var history: [EpochRecord]
    public var heads: [HeadSpec]
}

/// Errors of transformer fine-tuning, each saying what to change.
public enum TransformerTrainingError: Error, CustomStringConvertible, Equatable {
    case noTrainingRows
    case noLabels
    case badOption(String)
    case labelNotInCheckpoint(head: String, label: String)
    case resume(String)

    public var description: String {
        switch self {
        case .noTrainingRows: "no training rows; the data file needs rows with split \"train\" (or no split)"
        case .noLabels: "the training rows carry no labels; each row needs a \"labels\" object {head: label}"
        case .badOption(let m): m
        case .labelNotInCheckpoint(let h, let l):
            "label \"\(l)\" of head \"\(h)\" is not in the starting checkpoint; start from the bare encoder instead"
        case .resume(let m): "cannot resume: \(m)"
        }
    }
}
