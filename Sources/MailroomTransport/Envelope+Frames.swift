// Envelope+Frames: encoding an Envelope to its two ZeroMQ frames and validating frames back into one.
import Foundation
import MailroomCore

/// The header JSON of frame 0.
struct EnvelopeHeader: Codable {
    var schemaVersion: Int
    var type: String
    var messageID: String
    var traceID: String
    var stamps: [Stamp]
    /// Omitted for a first attempt.
    var attempt: Int?

    enum CodingKeys: String, CodingKey {
        case type, stamps, attempt
        case schemaVersion = "schema_version"
        case messageID = "message_id"
        case traceID = "trace_id"
    }
}

/// The header as received: every field optional, so one decode can report a version problem before
/// a layout problem (a future version may rename fields).
private struct ReceivedHeader: Decodable {
    var schemaVersion: Int?
    var type: String?
    var messageID: String?
    var traceID: String?
    var stamps: [Stamp]?
    var attempt: Int?
    typealias CodingKeys = EnvelopeHeader.CodingKeys
}

extension Envelope {
    /// Number of frames of an encoded envelope.
    public static let frameCount = 2

    /// Encodes the envelope as `[header JSON, payload JSON]`.
    public func frames() throws -> [Data] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let header = EnvelopeHeader(schemaVersion: schemaVersion, type: type.rawValue, messageID: messageID,
                                    traceID: traceID, stamps: stamps, attempt: attempt > 1 ? attempt : nil)
        return [try encoder.encode(header), try payload.encoded(with: encoder)]
    }

    /// Decodes and validates a received message.
    ///
    /// - Throws: ``EnvelopeError/unsupportedSchemaVersion(_:)`` for a version other than
    ///   ``TransportDefaults/schemaVersion``; ``EnvelopeError/malformed(_:)`` for a wrong frame count,
    ///   bad header JSON, an unknown type, or a payload that does not decode as its type.
    public init(frames: [Data]) throws(EnvelopeError) {
        guard frames.count == Self.frameCount else {
            throw .malformed("expected \(Self.frameCount) frames, got \(frames.count)")
        }
        let decoder = JSONDecoder()
        let header: ReceivedHeader
        do { header = try decoder.decode(ReceivedHeader.self, from: frames[0]) } catch {
            throw .malformed("header: \(Self.reason(error))")
        }
        guard let version = header.schemaVersion else { throw .malformed("header: missing field \"schema_version\"") }
        guard version == TransportDefaults.schemaVersion else { throw .unsupportedSchemaVersion(version) }
        guard let typeName = header.type, let messageID = header.messageID, let traceID = header.traceID,
              let stamps = header.stamps else {
            let missing = [("type", header.type == nil), ("message_id", header.messageID == nil),
                           ("trace_id", header.traceID == nil), ("stamps", header.stamps == nil)]
                .first { $0.1 }!.0
            throw .malformed("header: missing field \"\(missing)\"")
        }
        guard let type = PayloadType(rawValue: typeName) else {
            throw .malformed("unknown payload type \"\(typeName.prefix(32))\"")
        }
        let payload: Payload
        do { payload = try Payload.decode(type, from: frames[1], with: decoder) } catch {
            throw .malformed("payload is not a valid \(type.rawValue): \(Self.reason(error))")
        }
        self.init(messageID: messageID, traceID: traceID, stamps: stamps,
                  payload: payload, schemaVersion: version)
        attempt = max(1, header.attempt ?? 1)
    }

    /// A short reason naming only field paths, never values (which may be email text).
    static func reason(_ error: any Error) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            let p = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return p.isEmpty ? "top level" : "\"\(p)\""
        }
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            let parent = ctx.codingPath.map(\.stringValue) + [key.stringValue]
            return "missing field \"\(parent.joined(separator: "."))\""
        case DecodingError.typeMismatch(_, let ctx): return "wrong type at \(path(ctx))"
        case DecodingError.valueNotFound(_, let ctx): return "null at \(path(ctx))"
        case DecodingError.dataCorrupted(let ctx):
            return ctx.codingPath.isEmpty ? "not valid JSON" : "bad value at \(path(ctx))"
        default: return "undecodable"
        }
    }
}
