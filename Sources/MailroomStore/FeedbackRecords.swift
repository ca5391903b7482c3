// FeedbackRecords: the rows the feedback store returns: joined closed cases and per-version head scores.
import Foundation

/// A prediction joined with the outcome the CRM reported for the same email.
public struct ClosedCase: Sendable, Equatable {
    public var id: String
    public var modelVersion: String
    /// Head → predicted label.
    public var predicted: [String: String]
    /// Head → predicted label's confidence.
    public var confidence: [String: Double]
    /// Head → true label, from the outcome.
    public var truth: [String: String]
    public var resolution: String?
    public var closedAt: String?
    public var assignedQueue: String
    public var needsReview: Bool
    public var subject: String
    /// The cleaned text the model read.
    public var text: String
    public var language: String?
    public var custodianBank: String?
    /// When the store recorded the outcome (Unix ms): the case's time when `closedAt` is absent or unreadable.
    public var recordedAtUnixMs: Int64
    /// A shadow model's prediction (never routed): `assignedQueue` is empty and `needsReview` false.
    public var shadow: Bool

    public init(id: String, modelVersion: String, predicted: [String: String], confidence: [String: Double],
                truth: [String: String], resolution: String?, closedAt: String?, assignedQueue: String,
                needsReview: Bool, subject: String, text: String, language: String?, recordedAtUnixMs: Int64 = 0,
                shadow: Bool = false, custodianBank: String? = nil) {
        self.recordedAtUnixMs = recordedAtUnixMs; self.shadow = shadow; self.custodianBank = custodianBank
        self.id = id; self.modelVersion = modelVersion; self.predicted = predicted; self.confidence = confidence
        self.truth = truth; self.resolution = resolution; self.closedAt = closedAt
        self.assignedQueue = assignedQueue; self.needsReview = needsReview; self.subject = subject
        self.text = text; self.language = language
    }
}

/// How one model version scored on one head, over closed cases that have both a prediction and a
/// true label for that head.
public struct VersionHeadReport: Codable, Sendable, Equatable {
    public var modelVersion: String
    public var head: String
    public var cases: Int
    public var accuracy: Double
    public var macroF1: Double

    public init(modelVersion: String, head: String, cases: Int, accuracy: Double, macroF1: Double) {
        self.modelVersion = modelVersion; self.head = head; self.cases = cases
        self.accuracy = accuracy; self.macroF1 = macroF1
    }

    enum CodingKeys: String, CodingKey {
        case head, cases, accuracy
        case modelVersion = "model_version"
        case macroF1 = "macro_f1"
    }
}

/// Row counts of the store.
public struct FeedbackCounts: Sendable, Equatable {
    /// Emails with a recorded prediction.
    public var predictions: Int
    /// Emails with a recorded outcome.
    public var outcomes: Int
    /// Emails with both (the closed cases).
    public var closed: Int
    public init(predictions: Int, outcomes: Int, closed: Int) {
        self.predictions = predictions; self.outcomes = outcomes; self.closed = closed
    }
}
