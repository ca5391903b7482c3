// EnvelopeHelpersTests: EnvelopeSender/EnvelopeReceiver threads over real sockets: delivery, bad input, PUB/SUB, shutdown.
import Foundation
import Logging
import MailroomCore
import Testing
@testable import MailroomTransport

@Suite struct EnvelopeHelpersTests {
    let logs = CapturedLogs()

    @Test func everyPayloadTypeArrivesOverPushPull() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("in")), logger: logs.logger())
        let sender = try EnvelopeSender(context: ctx, endpoints: .connect(ep.ipc("in")), logger: logs.logger())
        let sent = samplePayloads().enumerated().map { i, p in
            Envelope(messageID: "mail-\(i)", traceID: "trace-\(i)", payload: p).stamped(stage: "test", replica: i)
        }
        for e in sent { try await sender.send(e) }
        let got = try await take(sent.count, from: receiver)
        #expect(got == sent)
        #expect(receiver.receivedCount == sent.count && receiver.malformedCount == 0)
        sender.close()
        receiver.stop()
        #expect(sender.sentCount == sent.count && sender.droppedCount == 0)
    }

    /// A cluster's autoscaled classifiers: a PUSH connects to every replica the autoscaler may start, most of them
    /// not there (their names do not even resolve). With `immediate` nothing waits for them: every envelope reaches
    /// the replica that is up, and the connect itself does not fail.
    @Test func aPushSendsOnlyToPeersThatAreUpEvenWhenOthersDoNotResolve() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("up")), logger: logs.logger())
        let sender = try EnvelopeSender(context: ctx, endpoints: Endpoints(connect: [
            "tcp://classifier-3.classifier.invalid:5551", ep.ipc("up"), "tcp://classifier-2.classifier.invalid:5551"]),
            immediate: true, logger: logs.logger())
        try await Task.sleep(for: .milliseconds(200))  // the ipc connection completes
        let sent = (0..<60).map { Envelope(messageID: "mail-\($0)", payload: samplePayloads()[0]) }
        for e in sent { try await sender.send(e) }
        let got = try await take(sent.count, from: receiver)
        #expect(Set(got.map(\.messageID)) == Set(sent.map(\.messageID)))
        sender.close()
        receiver.stop()
    }

    @Test func badMessagesAreCountedAndSkippedThenGoodOnesArrive() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("in")), logger: logs.logger())
        let raw = try ZMQSocket(context: ctx, kind: .push)
        try raw.connect(ep.ipc("in"))
        let good = Envelope(messageID: "good", payload: samplePayloads()[1])
        let goodFrames = try good.frames()
        let v2 = Data(#"{"schema_version":2,"type":"cleaned","message_id":"x","trace_id":"t","stamps":[]}"#.utf8)
        let fax = Data(#"{"schema_version":1,"type":"fax","message_id":"x","trace_id":"t","stamps":[]}"#.utf8)
        let asHeartbeat = Data(#"{"schema_version":1,"type":"heartbeat","message_id":"x","trace_id":"t","stamps":[]}"#.utf8)
        try raw.send([goodFrames[0]])                        // wrong frame count
        try raw.send([Data("{".utf8), goodFrames[1]])        // bad header JSON
        try raw.send([v2, goodFrames[1]])                    // unknown schema version
        try raw.send([fax, goodFrames[1]])                   // unknown type
        try raw.send([asHeartbeat, goodFrames[1]])           // payload does not match type
        try raw.send(goodFrames)
        let got = try await take(1, from: receiver)
        #expect(got == [good])
        #expect(receiver.malformedCount == 5)
        let warnings = logs.all.filter { $0.contains("malformed") }
        #expect(warnings.count == 5)
        #expect(warnings.contains { $0.contains("schema version 2 is not supported") })
        #expect(!logs.all.contains { $0.contains(secretBody) || $0.contains("Transfer") })
        raw.close()
        receiver.stop()
    }

    @Test func publisherReachesSubscribers() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let publisher = try EnvelopeSender(context: ctx, kind: .publish, endpoints: .bind(ep.ipc("pub")),
                                           logger: logs.logger())
        let subscribers = try (0..<2).map { _ in
            try EnvelopeReceiver(context: ctx, kind: .subscribe(), endpoints: .connect(ep.ipc("pub")),
                                 logger: logs.logger())
        }
        // PUB drops messages for subscribers still joining: publish until both have one.
        let beat = Envelope(messageID: "router/0", payload: samplePayloads()[5])
        let ticker = Task {
            while !Task.isCancelled {
                try? publisher.trySend(beat)
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        for s in subscribers {
            let got = try await take(1, from: s)
            #expect(got == [beat])
        }
        ticker.cancel()
        _ = await ticker.value
        publisher.close(drainTimeoutMs: 0)
        for s in subscribers { s.stop() }
    }

    @Test func unconsumedReceiverStaysBoundedAndLosesNothing() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let maxInFlight = 4
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("in")), maxInFlight: maxInFlight,
                                            receiveHighWaterMark: 8, logger: logs.logger())
        let push = try ZMQSocket(context: ctx, kind: .push)
        try push.set(.sendHighWaterMark(8))
        try push.connect(ep.ipc("in"))
        // Fill until libzmq refuses: the receiver takes no more than maxInFlight, so the chain fills up.
        let padding = String(repeating: "x", count: 4096)
        var accepted = 0
        var refusals = 0
        while accepted < 20_000 && refusals < 20 {
            let cleaned = CleanedEmail(id: "m\(accepted)", subject: "s", text: padding)
            let frames = try Envelope(messageID: "m\(accepted)", payload: .cleaned(cleaned)).frames()
            if try push.trySend(frames) { accepted += 1; refusals = 0 } else {
                refusals += 1
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        #expect(refusals == 20, "the sender never met backpressure")
        #expect(accepted < 20_000)
        #expect(receiver.inFlightCount <= maxInFlight && receiver.receivedCount <= maxInFlight)
        // Now consume: every accepted message arrives, in order.
        let got = try await take(accepted, from: receiver)
        #expect(got.map(\.messageID) == (0..<accepted).map { "m\($0)" })
        #expect(receiver.malformedCount == 0)
        push.close()
        receiver.stop()
    }

    @Test func senderReportsOverloadAndAsyncSendWaitsForRoom() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        // IMMEDIATE with no peer yet: libzmq accepts nothing, so the sender's queue fills.
        let sender = try EnvelopeSender(context: ctx, endpoints: .connect(ep.ipc("late")), queueCapacity: 3,
                                        immediate: true, logger: logs.logger())
        let envelopes = (0..<4).map { Envelope(messageID: "m\($0)", payload: samplePayloads()[1]) }
        for e in envelopes.prefix(3) { try sender.trySend(e) }
        #expect(throws: TransportError.overloaded(capacity: 3)) { try sender.trySend(envelopes[3]) }
        let waiting = Task { try await sender.send(envelopes[3]) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(sender.pendingCount == 3)
        // The peer comes up: everything flows, including the waiting send.
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("late")), logger: logs.logger())
        try await withTimeout(seconds: hangGuardSeconds) { try await waiting.value }
        let got = try await take(4, from: receiver)
        #expect(got.map(\.messageID) == ["m0", "m1", "m2", "m3"])
        sender.close()
        #expect(throws: TransportError.closed) { try sender.trySend(envelopes[0]) }
        receiver.stop()
    }

    @Test func steadyLoadKeepsTheSenderQueueBounded() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("in")), logger: logs.logger())
        let capacity = 8, n = 3000
        let sender = try EnvelopeSender(context: ctx, endpoints: .connect(ep.ipc("in")), queueCapacity: capacity,
                                        sendHighWaterMark: 4, logger: logs.logger())
        let producer = Task {
            var maxStorage = 0
            for i in 0..<n {
                try await sender.send(Envelope(messageID: "m\(i)", payload: samplePayloads()[5]))
                maxStorage = max(maxStorage, sender.queueStorageCount)
            }
            return maxStorage
        }
        let got = try await take(n, from: receiver)
        let maxStorage = try await producer.value
        #expect(got.count == n && got.last?.messageID == "m\(n - 1)")
        #expect(maxStorage <= 2 * (64 + capacity), "queue storage grew to \(maxStorage)")
        sender.close()
        receiver.stop()
    }

    @Test func cancellingAWaitingSendThrowsCancellation() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let sender = try EnvelopeSender(context: ctx, endpoints: .connect(ep.ipc("none")), queueCapacity: 1,
                                        immediate: true, logger: logs.logger())
        let e = Envelope(messageID: "m", payload: samplePayloads()[5])
        try sender.trySend(e)
        let waiting = Task { try await sender.send(e) }
        try await Task.sleep(for: .milliseconds(50))
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        sender.close(drainTimeoutMs: 50)
        #expect(sender.droppedCount == 1)
    }

    @Test func stopAndCloseReturnPromptlyAndTheContextTerminates() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("quiet")), logger: logs.logger())
        // A PUSH whose only peer never exists: one envelope is stuck, but close must not hang.
        let sender = try EnvelopeSender(context: ctx, endpoints: .connect(ep.ipc("nobody")), logger: logs.logger())
        try sender.trySend(Envelope(messageID: "stuck", payload: samplePayloads()[5]))
        let start = Date()
        #expect(finishes(within: 3) { receiver.stop() })
        #expect(finishes(within: 3) { sender.close(drainTimeoutMs: 200) })
        #expect(Date().timeIntervalSince(start) < 2)
        var it = receiver.envelopes.makeAsyncIterator()
        #expect(await it.next() == nil)  // the stream ended
        #expect(finishes(within: 5) { ctx.terminate() })
    }

    @Test func contextShutdownEndsIdleHelpers() async throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(ep.ipc("a")), logger: logs.logger())
        // This sender's one envelope sits in libzmq for a peer that never comes: LINGER must bound it.
        let sender = try EnvelopeSender(context: ctx, endpoints: .connect(ep.ipc("nobody")), logger: logs.logger())
        try sender.trySend(Envelope(messageID: "stuck", payload: samplePayloads()[5]))
        for _ in 0..<100 where sender.sentCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(sender.sentCount == 1)
        ctx.shutdown()
        #expect(finishes(within: 5) { ctx.terminate() })
        var it = receiver.envelopes.makeAsyncIterator()
        #expect(await it.next() == nil)
        #expect(throws: TransportError.closed) { try sender.trySend(Envelope(messageID: "x", payload: samplePayloads()[5])) }
    }

    @Test func bindFailureSurfacesFromTheInitializer() throws {
        let ctx = try ZMQContext()
        #expect(throws: ZMQError.self) {
            _ = try EnvelopeReceiver(context: ctx, endpoints: .bind("ipc:///nonexistent-dir-mailroom/x"),
                                     logger: logs.logger())
        }
    }
}
