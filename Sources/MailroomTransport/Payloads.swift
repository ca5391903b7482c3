// Payloads: the typed payloads an Envelope carries, including those defined only on the wire.
import Foundation
import MailroomCore

/// The classifier's output: the cleaned email and its prediction.
public struct Classified: Codable, Sendable, Equatable {
    public var email: CleanedEmail
    public var prediction: Prediction
    /// The shadow candidate's prediction for the same email (`mailroom registry shadow`): stored, never routed.
    public var shadow: Prediction?
    public init(email: CleanedEmail, prediction: Prediction, shadow: Prediction? = nil) {
        self.email = email; self.prediction = prediction; self.shadow = shadow
    }
}

/// The router's output: the cleaned email and where it was sent.
public struct Routed: Codable, Sendable, Equatable {
    public var email: CleanedEmail
    public var assignment: Assignment
    /// The shadow candidate's prediction, on the copy for the feedback-collector only.
    public var shadow: Prediction?
    public init(email: CleanedEmail, assignment: Assignment, shadow: Prediction? = nil) {
        self.email = email; self.assignment = assignment; self.shadow = shadow
    }
}

/// A liveness signal each stage replica sends every ``TransportDefaults/heartbeatIntervalMs``.
public struct Heartbeat: Codable, Sendable, Equatable {
    public var stage: String
    public var replica: Int
    public var pid: Int32
    /// Whether the replica can take work (e.g. its model is loaded).
    public var ready: Bool
    public var modelVersion: String?
    /// A short status line; never email text.
    public var detail: String?
    /// The served model's heads and labels (classifiers): the gateway checks closed-case feedback against them.
    public var heads: [HeadSpec]?
    /// The candidate a classifier runs in shadow, if any.
    public var shadowVersion: String?
    /// Cumulative figures of this replica (Prometheus family name → value, e.g. the shadow's cost), exported by
    /// the gateway's /metrics with `stage` and `replica` labels.
    public var figures: [String: Double]?

    public init(stage: String, replica: Int, pid: Int32, ready: Bool, modelVersion: String? = nil,
                detail: String? = nil, heads: [HeadSpec]? = nil, shadowVersion: String? = nil,
                figures: [String: Double]? = nil) {
        self.stage = stage; self.replica = replica; self.pid = pid; self.ready = ready
        self.modelVersion = modelVersion; self.detail = detail; self.heads = heads
        self.shadowVersion = shadowVersion; self.figures = figures
    }

    enum CodingKeys: String, CodingKey {
        case stage, replica, pid, ready, detail, heads, figures
        case modelVersion = "model_version"
        case shadowVersion = "shadow_version"
    }
}

/// The feedback-collector's receipt: these ids are committed to its store (published on its acks socket under the
/// topic of the stage that sent them, e.g. `acks.router.0`), so the sender may forget its spooled copy.
public struct Ack: Codable, Sendable, Equatable {
    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }
}

/// A stage's report that it cannot handle one email (it failed alone, not as a batch-mate): the gateway makes it
/// a dead letter at once instead of sending it around again. Sent on the control socket, best effort (without it
/// the gateway's retry cap ends the same way, later). The reason never includes email text.
public struct StageFailure: Codable, Sendable, Equatable {
    public var id: String
    public var stage: String
    public var replica: Int
    public var reason: String
    public init(id: String, stage: String, replica: Int, reason: String) {
        self.id = id; self.stage = stage; self.replica = replica; self.reason = reason
    }
}

/// The name of a payload type, as written in the envelope header's `type` field.
public enum PayloadType: String, Codable, Sendable, CaseIterable {
    case email, cleaned, classified, routed, outcome, heartbeat, ack, failure
}

/// Everything an envelope can carry.
public enum Payload: Sendable, Equatable {
    case email(Email)
    case cleaned(CleanedEmail)
    case classified(Classified)
    case routed(Routed)
    case outcome(Outcome)
    case heartbeat(Heartbeat)
    case ack(Ack)
    case failure(StageFailure)

    /// The header `type` name of this payload.
    public var type: PayloadType {
        switch self {
        case .email: .email
        case .cleaned: .cleaned
        case .classified: .classified
        case .routed: .routed
        case .outcome: .outcome
        case .heartbeat: .heartbeat
        case .ack: .ack
        case .failure: .failure
        }
    }

    /// The payload as JSON (frame 1 of an envelope).
    func encoded(with encoder: JSONEncoder) throws -> Data {
        switch self {
        case .email(let v): try encoder.encode(v)
        case .cleaned(let v): try encoder.encode(v)
        case .classified(let v): try encoder.encode(v)
        case .routed(let v): try encoder.encode(v)
        case .outcome(let v): try encoder.encode(v)
        case .heartbeat(let v): try encoder.encode(v)
        case .ack(let v): try encoder.encode(v)
        case .failure(let v): try encoder.encode(v)
        }
    }

    /// Decodes frame 1 as the payload named `type`.
    static func decode(_ type: PayloadType, from data: Data, with decoder: JSONDecoder) throws -> Payload {
        switch type {
        case .email: .email(try decoder.decode(Email.self, from: data))
        case .cleaned: .cleaned(try decoder.decode(CleanedEmail.self, from: data))
        case .classified: .classified(try decoder.decode(Classified.self, from: data))
        case .routed: .routed(try decoder.decode(Routed.self, from: data))
        case .outcome: .outcome(try decoder.decode(Outcome.self, from: data))
        case .heartbeat: .heartbeat(try decoder.decode(Heartbeat.self, from: data))
        case .ack: .ack(try decoder.decode(Ack.self, from: data))
        case .failure: .failure(try decoder.decode(StageFailure.self, from: data))
        }
    }
}
