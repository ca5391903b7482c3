// Email: the payload the CRM submits to the gateway, and the model text derived from it.
import Foundation

/// A client email as the CRM submits it (`POST /v1/classify`, `POST /v1/emails`).
///
/// `id` is chosen by the client and is the idempotency key: it is also the message id
/// of every envelope that carries this email through the pipeline.
public struct Email: Codable, Sendable, Equatable {
    public var id: String
    public var subject: String
    /// Plain-text body; may be empty when only `bodyHTML` is given.
    public var body: String?
    /// HTML body, cleaned to text by the cleaner stage.
    public var bodyHTML: String?
    public var custodianBank: String?
    public var receivedAt: String?
    public var language: String?
    /// Opt-in: each head's prediction carries its `evidence` strongest items (1…``maxEvidence``); nil or 0: none.
    /// They quote the email, so they go back to the caller only, never to a log.
    public var evidence: Int?
    /// The most evidence items a head may carry.
    public static let maxEvidence = 20

    public init(id: String, subject: String = "", body: String? = nil, bodyHTML: String? = nil,
                custodianBank: String? = nil, receivedAt: String? = nil, language: String? = nil, evidence: Int? = nil) {
        self.id = id; self.subject = subject; self.body = body; self.bodyHTML = bodyHTML
        self.custodianBank = custodianBank; self.receivedAt = receivedAt; self.language = language
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, subject, body, language, evidence
        case bodyHTML = "body_html"
        case custodianBank = "custodian_bank"
        case receivedAt = "received_at"
    }

    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(in: decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        subject = try c.decodeOptional(String.self, forKey: .subject, strictIn: decoder) ?? ""
        body = try c.decodeOptional(String.self, forKey: .body, strictIn: decoder)
        bodyHTML = try c.decodeOptional(String.self, forKey: .bodyHTML, strictIn: decoder)
        custodianBank = try c.decodeOptional(String.self, forKey: .custodianBank, strictIn: decoder)
        receivedAt = try c.decodeOptional(String.self, forKey: .receivedAt, strictIn: decoder)
        language = try c.decodeOptional(String.self, forKey: .language, strictIn: decoder)
        evidence = try c.decodeOptional(Int.self, forKey: .evidence, strictIn: decoder)
    }
}

/// The text a model sees: `subject + "\n" + body` when the subject is not empty, else `body`.
///
/// This is the one place that rule lives; training, prediction and the pipeline all call it.
public func modelText(subject: String, body: String) -> String {
    subject.isEmpty ? body : subject + "\n" + body
}
