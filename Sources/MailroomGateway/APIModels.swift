// APIModels: the JSON bodies of the gateway's HTTP API (see API/openapi.json, kept true by the integration test).
import Foundation
import MailroomCore

/// `POST /v1/classify` and `POST /v1/emails` request body.
public struct EmailBatch: Codable, Sendable {
    public var emails: [Email]
    public init(emails: [Email]) { self.emails = emails }

    enum CodingKeys: String, CodingKey, CaseIterable { case emails }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.self)
        emails = try decoder.container(keyedBy: CodingKeys.self).decode([Email].self, forKey: .emails)
    }
}

/// The classification of one email as the API returns it.
public struct EmailResult: Codable, Sendable, Equatable {
    public var id: String
    public var modelVersion: String
    public var heads: [String: HeadPrediction]
    public var assignedQueue: String
    public var needsReview: Bool
    public var tokenCount: Int?
    public var truncated: Bool?
    /// The arithmetic the model ran at (`fp32`, `int8`, `bf16`; transformer models).
    public var precision: String?

    public init(_ a: Assignment) {
        id = a.id; modelVersion = a.prediction.modelVersion; heads = a.prediction.heads
        assignedQueue = a.assignedQueue; needsReview = a.needsReview
        tokenCount = a.prediction.tokenCount; truncated = a.prediction.truncated; precision = a.prediction.precision
    }

    enum CodingKeys: String, CodingKey {
        case id, heads, truncated, precision
        case modelVersion = "model_version"
        case assignedQueue = "assigned_queue"
        case needsReview = "needs_review"
        case tokenCount = "token_count"
    }
}

/// `POST /v1/classify` response.
public struct ClassifyResponse: Codable, Sendable {
    public var predictions: [EmailResult]
}

/// `POST /v1/emails` response (202).
public struct AcceptedResponse: Codable, Sendable {
    public var accepted: [String]
    public var statusURLs: [String]
    enum CodingKeys: String, CodingKey { case accepted; case statusURLs = "status_urls" }
}

/// `GET /v1/emails/{id}` response.
public struct EmailStatusResponse: Codable, Sendable {
    /// `pending`, `done` or `failed` (given up after the retry cap; submit it again to start over).
    public var status: String
    public var id: String
    public var result: EmailResult?
    /// Why it failed.
    public var failure: String?
    public init(status: String, id: String, result: EmailResult? = nil, failure: String? = nil) {
        self.status = status; self.id = id; self.result = result; self.failure = failure
    }
}

/// `POST /v1/feedback` response (202).
public struct FeedbackAccepted: Codable, Sendable {
    public var accepted: String
}

/// `GET /readyz` and `GET /healthz` response.
public struct ReadinessResponse: Codable, Sendable {
    public var ready: Bool
    public var stages: [StageStatus]
    public var missing: [String]
}

/// One stage replica as the gateway last heard from it.
public struct StageStatus: Codable, Sendable, Equatable {
    public var stage: String
    public var replica: Int
    public var ready: Bool
    public var modelVersion: String?
    public var secondsSinceHeartbeat: Double
    enum CodingKeys: String, CodingKey {
        case stage, replica, ready
        case modelVersion = "model_version"
        case secondsSinceHeartbeat = "seconds_since_heartbeat"
    }
}
