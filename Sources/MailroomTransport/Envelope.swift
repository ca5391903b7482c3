// Envelope: the one versioned wrapper around every message between stages, and its 2-frame encoding.
import Foundation
import MailroomCore

/// When one stage replica handled a message.
public struct Stamp: Codable, Sendable, Equatable {
    /// Stage name, e.g. `gateway`, `cleaner`.
    public var stage: String
    public var replica: Int
    /// Wall-clock time, Unix epoch milliseconds. JSON key `at_ms`.
    public var atUnixMs: Int64

    public init(stage: String, replica: Int, atUnixMs: Int64 = Stamp.nowUnixMs()) {
        self.stage = stage; self.replica = replica; self.atUnixMs = atUnixMs
    }

    /// The current wall-clock time in Unix epoch milliseconds.
    public static func nowUnixMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    enum CodingKeys: String, CodingKey {
        case stage, replica
        case atUnixMs = "at_ms"
    }
}

/// A message between stages: a versioned header plus one typed payload.
///
/// On the wire an envelope is **two frames**:
/// - frame 0, the header JSON: `{"schema_version":1,"type":"cleaned","message_id":…,"trace_id":…,
///   "stamps":[{"stage":…,"replica":…,"at_ms":…}]}`
/// - frame 1, the payload JSON (the Core type named by `type`, e.g. ``CleanedEmail``).
///
/// Keeping the header separate lets a stage read ids and stamps without decoding the body.
public struct Envelope: Sendable, Equatable {
    /// Always ``TransportDefaults/schemaVersion`` for envelopes this build makes.
    public var schemaVersion: Int
    /// The email id (the client's idempotency key); for heartbeats, `stage/replica`.
    public var messageID: String
    /// Groups every log line and stamp of one request across stages.
    public var traceID: String
    /// One stamp per stage that handled the message, in order.
    public var stamps: [Stamp]
    public var payload: Payload

    /// The header `type` of ``payload``.
    public var type: PayloadType { payload.type }

    public init(messageID: String, traceID: String = UUID().uuidString, stamps: [Stamp] = [], payload: Payload,
                schemaVersion: Int = TransportDefaults.schemaVersion) {
        self.schemaVersion = schemaVersion; self.messageID = messageID; self.traceID = traceID
        self.stamps = stamps; self.payload = payload
    }

    /// A copy with `payload` replaced and ids and stamps kept: how a stage forwards its result.
    public func forwarding(_ payload: Payload) -> Envelope {
        Envelope(messageID: messageID, traceID: traceID, stamps: stamps, payload: payload,
                 schemaVersion: schemaVersion)
    }

    /// A copy with one more stamp appended.
    public func stamped(stage: String, replica: Int, atUnixMs: Int64 = Stamp.nowUnixMs()) -> Envelope {
        var copy = self
        copy.stamps.append(Stamp(stage: stage, replica: replica, atUnixMs: atUnixMs))
        return copy
    }
}

/// Why a received message was rejected. Reasons are short and never include email text.
public enum EnvelopeError: Error, Equatable, CustomStringConvertible {
    /// The header names a schema version this build does not read.
    case unsupportedSchemaVersion(Int)
    /// Wrong frame count, bad JSON, unknown type, or a payload that does not match its type.
    case malformed(String)

    public var description: String {
        switch self {
        case .unsupportedSchemaVersion(let v):
            "envelope schema version \(v) is not supported (this build reads \(TransportDefaults.schemaVersion)); "
                + "run the same Mailroom version in every stage"
        case .malformed(let reason): "malformed envelope: \(reason)"
        }
    }
}
