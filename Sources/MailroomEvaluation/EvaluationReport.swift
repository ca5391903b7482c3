// EvaluationReport: a model's scores on labelled rows, per head (what `mailroom evaluate` writes).
import Foundation
import MailroomCore

/// The scores of one head.
public struct HeadEvaluation: Codable, Sendable, Equatable {
    /// Head (label set) name.
    public var name: String
    /// Accuracy, per-class and averaged precision/recall/F1, confusion matrix (label order = the model's
    /// labels, then any label only the data has).
    public var metrics: ClassificationMetrics
    /// Rows that had no label for this head and were not scored.
    public var rowsWithoutLabel: Int
    /// Labels in the data that the model cannot predict (not among its labels), sorted.
    public var unknownLabels: [String]
    /// Calibration error, reliability bins, precision against coverage and the review threshold's effect on these
    /// rows (absent in reports written before Mailroom measured them).
    public var confidence: ConfidenceFigures?

    public init(name: String, metrics: ClassificationMetrics, rowsWithoutLabel: Int, unknownLabels: [String],
                confidence: ConfidenceFigures? = nil) {
        self.name = name; self.metrics = metrics; self.rowsWithoutLabel = rowsWithoutLabel
        self.unknownLabels = unknownLabels; self.confidence = confidence
    }

    enum CodingKeys: String, CodingKey {
        case name, metrics, confidence
        case rowsWithoutLabel = "rows_without_label"
        case unknownLabels = "unknown_labels"
    }
}

/// A model's evaluation on a set of rows: one ``HeadEvaluation`` per model head, in the model's head order.
public struct EvaluationReport: Codable, Sendable, Equatable {
    public var modelKind: String
    public var modelVersion: String
    /// Rows evaluated.
    public var rowCount: Int
    /// Seconds spent classifying, and the resulting rows per second.
    public var seconds: Double
    public var heads: [HeadEvaluation]

    public init(modelKind: String, modelVersion: String, rowCount: Int, seconds: Double, heads: [HeadEvaluation]) {
        self.modelKind = modelKind; self.modelVersion = modelVersion; self.rowCount = rowCount
        self.seconds = seconds; self.heads = heads
    }

    enum CodingKeys: String, CodingKey {
        case heads, seconds
        case modelKind = "model_kind", modelVersion = "model_version", rowCount = "row_count"
    }

    /// The evaluation of head `name`, if the model has it.
    public subscript(head name: String) -> HeadEvaluation? { heads.first { $0.name == name } }

    /// Mean macro-F1 over heads (0 when there are none); see ``meanMacroF1(_:)``.
    public var meanMacroF1: Double { Self.meanMacroF1(heads.map(\.metrics.macro.f1)) }

    /// The one summary figure of a multi-head model, used everywhere Mailroom ranks models (best epoch, registry,
    /// reports): the unweighted mean of the heads' macro-F1, in the order given (0 when there are none).
    public static func meanMacroF1(_ perHead: some Collection<Double>) -> Double {
        perHead.isEmpty ? 0 : perHead.reduce(0, +) / Double(perHead.count)
    }
}
