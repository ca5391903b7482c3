// EnvelopeFramesTests: encoding every payload type to frames and rejecting bad frames with the right error.
import Foundation
import MailroomCore
import Testing
@testable import MailroomTransport

@Suite struct EnvelopeFramesTests {
    @Test func everyPayloadTypeRoundTripsThroughTwoFrames() throws {
        let payloads = samplePayloads()
        #expect(Set(payloads.map(\.type)) == Set(PayloadType.allCases))
        for payload in payloads {
            let envelope = Envelope(messageID: "mail-1", traceID: "trace-1",
                                    stamps: [Stamp(stage: "gateway", replica: 0, atUnixMs: 1_764_000_000_123)],
                                    payload: payload)
            let frames = try envelope.frames()
            #expect(frames.count == 2)
            let header = try JSONSerialization.jsonObject(with: frames[0]) as? [String: Any]
            #expect(header?["schema_version"] as? Int == 1)
            #expect(header?["type"] as? String == payload.type.rawValue)
            #expect(try Envelope(frames: frames) == envelope)
        }
    }

    @Test func stampedAndForwardingKeepIDs() {
        let e = Envelope(messageID: "m", traceID: "t", payload: samplePayloads()[0])
            .stamped(stage: "gateway", replica: 1, atUnixMs: 5)
        let f = e.forwarding(samplePayloads()[1]).stamped(stage: "cleaner", replica: 0, atUnixMs: 9)
        #expect(f.messageID == "m" && f.traceID == "t" && f.type == .cleaned)
        #expect(f.stamps.map(\.stage) == ["gateway", "cleaner"])
        #expect(f.stamps.map(\.atUnixMs) == [5, 9])
    }

    @Test func attemptTravelsInTheHeaderOnlyWhenARetry() throws {
        var envelope = Envelope(messageID: "m", traceID: "t", payload: samplePayloads()[0])
        let first = try JSONSerialization.jsonObject(with: envelope.frames()[0]) as? [String: Any]
        #expect(first?["attempt"] == nil)
        envelope.attempt = 3
        let frames = try envelope.frames()
        #expect((try JSONSerialization.jsonObject(with: frames[0]) as? [String: Any])?["attempt"] as? Int == 3)
        let decoded = try Envelope(frames: frames)
        #expect(decoded.attempt == 3)
        #expect(decoded.forwarding(samplePayloads()[1]).attempt == 3)
    }

    @Test func publicationPrefixFramesRoundTrip() {
        let publication = Publication(topic: "assignments.0", sequence: 42)
        #expect(Publication(frames: publication.frames[...]) == publication)
        #expect(Publication(frames: [Data("t".utf8), Data("x".utf8)][...]) == nil)
        #expect(Publication(frames: [Data("t".utf8), Data("0".utf8)][...]) == nil)
    }

    private func frames(header: String, payload: Data) -> [Data] { [Data(header.utf8), payload] }

    private func goodPayload() throws -> Data { try Envelope(messageID: "x", payload: samplePayloads()[1]).frames()[1] }

    @Test func wrongFrameCountIsMalformed() throws {
        let good = try Envelope(messageID: "x", payload: samplePayloads()[1]).frames()
        #expect(throws: EnvelopeError.malformed("expected 2 frames, got 1")) { try Envelope(frames: [good[0]]) }
        #expect(throws: EnvelopeError.malformed("expected 2 frames, got 3")) {
            try Envelope(frames: good + [Data()])
        }
    }

    @Test func unknownSchemaVersionIsReportedAsSuch() throws {
        let header = #"{"schema_version":2,"type":"cleaned","message_id":"x","trace_id":"t","stamps":[],"new":1}"#
        #expect(throws: EnvelopeError.unsupportedSchemaVersion(2)) {
            try Envelope(frames: frames(header: header, payload: goodPayload()))
        }
    }

    @Test func badHeaderJSONIsMalformed() throws {
        #expect(throws: EnvelopeError.malformed("header: not valid JSON")) {
            try Envelope(frames: frames(header: "{not json", payload: goodPayload()))
        }
        #expect(throws: EnvelopeError.malformed("header: missing field \"schema_version\"")) {
            try Envelope(frames: frames(header: #"{"type":"cleaned"}"#, payload: goodPayload()))
        }
        #expect(throws: EnvelopeError.malformed("header: missing field \"trace_id\"")) {
            try Envelope(frames: frames(header: #"{"schema_version":1,"type":"cleaned","message_id":"x","stamps":[]}"#,
                                        payload: goodPayload()))
        }
    }

    @Test func unknownTypeIsMalformed() throws {
        let header = #"{"schema_version":1,"type":"fax","message_id":"x","trace_id":"t","stamps":[]}"#
        #expect(throws: EnvelopeError.malformed("unknown payload type \"fax\"")) {
            try Envelope(frames: frames(header: header, payload: goodPayload()))
        }
    }

    @Test func payloadNotMatchingTypeIsMalformedWithoutBodyText() throws {
        // A cleaned email sent with type "heartbeat": decodes as neither; the reason names fields only.
        let header = #"{"schema_version":1,"type":"heartbeat","message_id":"x","trace_id":"t","stamps":[]}"#
        do {
            _ = try Envelope(frames: frames(header: header, payload: goodPayload()))
            Issue.record("a cleaned email decoded as a heartbeat")
        } catch {
            guard case .malformed(let reason)? = error as? EnvelopeError else { Issue.record("wrong error \(error)"); return }
            #expect(reason.hasPrefix("payload is not a valid heartbeat: missing field"))
            #expect(!reason.contains("transfer") && !"\(error)".contains(secretBody))
        }
        // A wrongly typed field whose value is body text: the reason names the path, not the value.
        let cleanedHeader = #"{"schema_version":1,"type":"cleaned","message_id":"x","trace_id":"t","stamps":[]}"#
        let badPayload = Data(#"{"id":"x","subject":"s","text":["\#(secretBody)"],"removed":[]}"#.utf8)
        #expect(throws: EnvelopeError.malformed("payload is not a valid cleaned: wrong type at \"text\"")) {
            try Envelope(frames: frames(header: cleanedHeader, payload: badPayload))
        }
        #expect(throws: EnvelopeError.malformed("payload is not a valid cleaned: not valid JSON")) {
            try Envelope(frames: frames(header: cleanedHeader, payload: Data(secretBody.utf8)))
        }
    }
}
