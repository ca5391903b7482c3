// Messages: the typed payloads that travel between pipeline stages inside an `Envelope`.
import Foundation

/// A part of an email that the cleaner removed, and why.
public struct RemovedPart: Codable, Sendable, Equatable {
    /// The cleaner's kind: `quote`, `forward_header`, `forwarded_message`, `signature`, `legal_footer`, `disclaimer`, `mobile_footer`, `html_hidden`.
    public var kind: String
    /// Number of characters removed.
    public var length: Int
    public init(kind: String, length: Int) { self.kind = kind; self.length = length }
}

/// The cleaner's output: the client's own new text, ready for the model.
public struct CleanedEmail: Codable, Sendable, Equatable {
    public var id: String
    public var subject: String
    /// The cleaned body text.
    public var text: String
    public var language: String?
    public var custodianBank: String?
    public var removed: [RemovedPart]
    /// The email's opt-in evidence count (``Email/evidence``), for the classifier.
    public var evidence: Int?

    public init(id: String, subject: String, text: String, language: String? = nil,
                custodianBank: String? = nil, removed: [RemovedPart] = [], evidence: Int? = nil) {
        self.id = id; self.subject = subject; self.text = text; self.language = language
        self.custodianBank = custodianBank; self.removed = removed; self.evidence = evidence
    }

    /// The model text of this email (see ``modelText(subject:body:)``).
    public var modelInput: String { modelText(subject: subject, body: text) }

    enum CodingKeys: String, CodingKey {
        case id, subject, text, language, removed, evidence
        case custodianBank = "custodian_bank"
    }
}

/// One head's prediction: the arg-max label and its softmax probability (calibrated when the model is).
public struct HeadPrediction: Codable, Sendable, Equatable {
    public var label: String
    public var confidence: Double
    /// Raw logits in the head's label order, only when asked for (`mailroom predict --logits`).
    public var logits: [Float]?
    /// The model version's own review threshold for this head (derived from a precision target at training); the
    /// router prefers it to its rules file's threshold.
    public var reviewThreshold: Double?
    /// Why the model chose the label, only when asked for (`mailroom predict --evidence N`, the API's `evidence`):
    /// the features that pushed its logit up most. Holds words of the email: never logged.
    public var evidence: [EvidenceItem]?
    public init(label: String, confidence: Double, logits: [Float]? = nil, reviewThreshold: Double? = nil,
                evidence: [EvidenceItem]? = nil) {
        self.label = label; self.confidence = confidence; self.logits = logits; self.reviewThreshold = reviewThreshold
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case label, confidence, logits, evidence
        case reviewThreshold = "review_threshold"
    }
}

/// One feature's share of a predicted label's logit.
public struct EvidenceItem: Codable, Sendable, Equatable {
    /// The feature as a person reads it: a word n-gram (`depot übertragen`), `first line: …`, a field
    /// (`custodian_bank=commerzbank`), or `(character n-grams)` for their sum.
    public var feature: String
    /// Its contribution to the label's logit (feature value × weight).
    public var weight: Double
    public init(feature: String, weight: Double) { self.feature = feature; self.weight = weight }
}

/// The classifier's output for one email.
public struct Prediction: Codable, Sendable, Equatable {
    public var id: String
    public var modelVersion: String
    public var heads: [String: HeadPrediction]
    /// Tokens the model read (transformer models), and whether the text was cut to `max_length`.
    public var tokenCount: Int?
    public var truncated: Bool?
    /// The arithmetic the model ran at (`fp32`, `int8`, `bf16`; transformer models).
    public var precision: String?

    public init(id: String, modelVersion: String, heads: [String: HeadPrediction],
                tokenCount: Int? = nil, truncated: Bool? = nil, precision: String? = nil) {
        self.id = id; self.modelVersion = modelVersion; self.heads = heads
        self.tokenCount = tokenCount; self.truncated = truncated; self.precision = precision
    }

    enum CodingKeys: String, CodingKey {
        case id, heads, truncated, precision
        case modelVersion = "model_version"
        case tokenCount = "token_count"
    }
}

/// The router's decision for one email: where it goes and whether a person should check it.
public struct Assignment: Codable, Sendable, Equatable {
    public var id: String
    public var assignedQueue: String
    public var needsReview: Bool
    /// Heads whose confidence fell under the router's threshold.
    public var lowConfidenceHeads: [String]
    public var prediction: Prediction

    public init(id: String, assignedQueue: String, needsReview: Bool, lowConfidenceHeads: [String],
                prediction: Prediction) {
        self.id = id; self.assignedQueue = assignedQueue; self.needsReview = needsReview
        self.lowConfidenceHeads = lowConfidenceHeads; self.prediction = prediction
    }

    enum CodingKeys: String, CodingKey {
        case id, prediction
        case assignedQueue = "assigned_queue"
        case needsReview = "needs_review"
        case lowConfidenceHeads = "low_confidence_heads"
    }
}

/// A closed case as the CRM reports it (`POST /v1/feedback`): the true labels and how it was resolved.
public struct Outcome: Codable, Sendable, Equatable {
    public var id: String
    public var labels: [String: String]
    public var resolution: String?
    public var closedAt: String?
    /// Heads whose label in this outcome may be one the served model does not have yet: the agents' deliberate new
    /// class (`mailroom retrain` learns it once enough cases carry it). Without it, an unknown label is a 422.
    public var newLabels: [String]?

    public init(id: String, labels: [String: String], resolution: String? = nil, closedAt: String? = nil,
                newLabels: [String]? = nil) {
        self.id = id; self.labels = labels; self.resolution = resolution; self.closedAt = closedAt
        self.newLabels = newLabels
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, labels, resolution
        case closedAt = "closed_at"
        case newLabels = "new_labels"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        labels = try c.decode([String: String].self, forKey: .labels)
        resolution = try c.decodeOptional(String.self, forKey: .resolution, strictIn: decoder)
        closedAt = try c.decodeOptional(String.self, forKey: .closedAt, strictIn: decoder)
        newLabels = try c.decodeOptional([String].self, forKey: .newLabels, strictIn: decoder)
    }
}
