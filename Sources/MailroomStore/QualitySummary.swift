// QualitySummary: one model version's quality over a set of predictions and closed cases: accuracy and macro-F1 per
// head, the traffic profile (predicted-label counts, confidences, input mix) and the review rate. The feedback
// report, `mailroom feedback report --html` and the feedback-collector's /metrics all score through it.
import MailroomCore

public struct QualitySummary: Sendable {
    public var modelVersion: String
    /// Predictions of a shadow model (never routed), else the served model's.
    public var shadow: Bool
    /// `served` or `shadow`: the `role` label of /metrics and the report's legend.
    public var role: String { shadow ? "shadow" : "served" }
    /// What the version predicted and read.
    public var traffic = TrafficProfile()
    /// Predictions flagged for review (served predictions only: a shadow's are never routed).
    public var reviewed = 0
    /// Head → true and predicted labels of the closed cases with a true label for the head.
    private var pairs: [String: (truth: [String], predicted: [String])] = [:]

    public init(modelVersion: String, shadow: Bool) { self.modelVersion = modelVersion; self.shadow = shadow }

    /// Adds one prediction to the traffic profile and the review count.
    /// - Parameter modelText: the text the model read (``modelText(subject:body:)``); only its length is kept.
    public mutating func addPrediction(predicted: [String: String], confidence: [String: Double], language: String?,
                                       modelText: String, needsReview: Bool) {
        traffic.add(labels: predicted, confidences: confidence, language: language, modelText: modelText)
        if needsReview { reviewed += 1 }
    }

    /// Adds one closed case to the scores (every head with both a prediction and a true label).
    public mutating func addOutcome(predicted: [String: String], truth: [String: String]) {
        for (head, t) in truth {
            guard let p = predicted[head] else { continue }
            pairs[head, default: ([], [])].truth.append(t)
            pairs[head, default: ([], [])].predicted.append(p)
        }
    }

    /// Adds a closed case both as a prediction and as an outcome.
    public mutating func add(_ c: ClosedCase) {
        addPrediction(predicted: c.predicted, confidence: c.confidence, language: c.language,
                      modelText: modelText(subject: c.subject, body: c.text), needsReview: c.needsReview)
        addOutcome(predicted: c.predicted, truth: c.truth)
    }

    /// Head → metrics over the closed cases added (heads without a scored case are absent).
    public var scores: [String: ClassificationMetrics] {
        pairs.mapValues { ClassificationMetrics.compute(truth: $0.truth, predicted: $0.predicted) }
    }

    /// Share of predictions flagged for review; nil for a shadow or without predictions.
    public var reviewRate: Double? {
        shadow || traffic.count == 0 ? nil : Double(reviewed) / Double(traffic.count)
    }

    /// Groups `cases` by version and role (served before shadow), every case added with ``add(_:)``.
    public static func of(_ cases: [ClosedCase]) -> [QualitySummary] {
        var byKey: [String: QualitySummary] = [:]
        for c in cases {
            byKey["\(c.shadow ? 1 : 0) \(c.modelVersion)", default: QualitySummary(modelVersion: c.modelVersion, shadow: c.shadow)].add(c)
        }
        return byKey.values.sorted { ($0.modelVersion, $0.shadow ? 1 : 0) < ($1.modelVersion, $1.shadow ? 1 : 0) }
    }
}
