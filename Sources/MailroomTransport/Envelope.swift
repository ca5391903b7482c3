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
    /// Where a PUB subscriber got this envelope from: the topic and sequence number frames in front of it (the
    /// router's assignments). Not part of the envelope's own two frames; nil for everything else.
    public var publication: Publication?
    /// Which send of this email into the pipeline this is (1 first). A stage handles an envelope with
    /// `attempt > 1` in a batch of its own, so an email that crashes its stage cannot take its batch-mates down
    /// again (header field `attempt`, omitted when 1).
    public var attempt = 1

    /// The header `type` of ``payload``.
    public var type: PayloadType { payload.type }

    public init(messageID: String, traceID: String = UUID().uuidString, stamps: [Stamp] = [], payload: Payload,
                schemaVersion: Int = TransportDefaults.schemaVersion) {
        self.schemaVersion = schemaVersion; self.messageID = messageID; self.traceID = traceID
        self.stamps = stamps; self.payload = payload
    }

    /// A copy with `payload` replaced and ids and stamps kept: how a stage forwards its result.
    public func forwarding(_ payload: Payload) -> Envelope {
        var copy = Envelope(messageID: messageID, traceID: traceID, stamps: stamps, payload: payload,
                            schemaVersion: schemaVersion)
        copy.attempt = attempt
        return copy
    }

    /// A copy with one more stamp appended.
    public func stamped(stage: String, replica: Int, atUnixMs: Int64 = Stamp.nowUnixMs()) -> Envelope {
        var copy = self
        copy.stamps.append(Stamp(stage: stage, replica: replica, atUnixMs: atUnixMs))
        return copy
    }
}

/// The topic and sequence number of a published envelope (the subscriber contract in the README).
public struct Publication: Sendable, Equatable {
    /// The stream, e.g. `assignments.0` (one per router replica).
    public var topic: String
    /// 1, 2, 3, … within the topic: a jump is a gap to fetch from the router's snapshot socket.
    public var sequence: Int64
    public init(topic: String, sequence: Int64) { self.topic = topic; self.sequence = sequence }

    /// Reads the two prefix frames `[topic, decimal sequence]`; nil when they are not that.
    public init?(frames: ArraySlice<Data>) {
        guard frames.count == 2, let topic = String(data: frames[frames.startIndex], encoding: .utf8),
              let sequence = Int64(String(decoding: frames[frames.startIndex + 1], as: UTF8.self)), sequence > 0
        else { return nil }
        self.init(topic: topic, sequence: sequence)
    }

    /// The two prefix frames.
    public var frames: [Data] { [Data(topic.utf8), Data(String(sequence).utf8)] }
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
