// OutputRoutingTests: which socket of an output sends an envelope (the router's results go back to the gateway
// replica that stamped the email).
import Foundation
@testable import MailroomRuntime
import MailroomTransport
import Testing

@Suite("Output routing by origin")
struct OutputRoutingTests {
    @Test func pushToOriginPicksTheStampedReplicaAndFallsBackToTheFirst() {
        let spec = StageOutputSpec.pushToOrigin(["ipc:///a", "ipc:///b", "ipc:///c"], stage: "gateway")
        #expect(spec.sockets.count == 3)
        let base = Envelope(messageID: "m", payload: .ack(Ack(ids: [])))
        #expect(spec.socketIndex(for: base.stamped(stage: "gateway", replica: 2).stamped(stage: "cleaner", replica: 0)) == 2)
        #expect(spec.socketIndex(for: base.stamped(stage: "gateway", replica: 1)) == 1)
        #expect(spec.socketIndex(for: base) == 0, "no gateway stamp: the first replica")
        #expect(spec.socketIndex(for: base.stamped(stage: "gateway", replica: 7)) == 0, "a replica past the list: the first")
        #expect(StageOutputSpec.push(["ipc:///a", "ipc:///b"]).sockets.count == 1, "a plain PUSH is one socket over all")
        #expect(StageOutputSpec.push(["ipc:///a"]).socketIndex(for: base.stamped(stage: "gateway", replica: 0)) == 0)
    }

    /// The classifier's predictions: an email goes to the router its id hashes to, whoever sends it and however
    /// often (a re-sent email meets the outbox that already published it), and the ids spread over the routers.
    @Test func pushByIDSendsEachEmailToTheSameReplicaAndSpreadsThem() {
        let spec = StageOutputSpec.pushByID(["ipc:///r0", "ipc:///r1"])
        #expect(spec.sockets.count == 2)
        var counts = [0, 0]
        for i in 0..<1000 {
            let e = Envelope(messageID: "mail-\(i)", payload: .ack(Ack(ids: [])))
            let index = spec.socketIndex(for: e)
            #expect(index == spec.socketIndex(for: e.stamped(stage: "classifier", replica: 3)), "the stamps do not matter")
            counts[index] += 1
        }
        #expect(counts.allSatisfy { $0 > 400 }, "ids spread over both routers: \(counts)")
        #expect(StageOutputSpec.pushByID(["ipc:///only"]).socketIndex(for: Envelope(messageID: "x", payload: .ack(Ack(ids: [])))) == 0)
    }
}

@Suite("Heartbeats to every gateway replica")
struct HeartbeatFanOutTests {
    @Test func everyGatewayReplicaHearsEveryBeatAndEveryFailureReport() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let endpoints = [inproc("control-0"), inproc("control-1")]
        let gateways = try endpoints.map { try EnvelopeReceiver(context: context, endpoints: .bind($0), maxInFlight: 100, logger: quiet) }
        defer { for g in gateways { g.stop() } }
        let beats = try HeartbeatSender(context: context, endpoints: endpoints, stage: "cleaner", replica: 0, logger: quiet)
        try await Task.sleep(for: .milliseconds(200))  // both connections up
        beats.update(.ready, now: true)
        beats.sendToAll(Envelope(messageID: "m-1", payload: .failure(StageFailure(id: "m-1", stage: "cleaner", replica: 0, reason: "x"))))
        for (i, gateway) in gateways.enumerated() {
            // A PUSH over both endpoints would round-robin: each would get one of the two messages.
            let received = await collect(gateway, count: 2, seconds: 20)
            #expect(received.map { "\($0.type)" }.sorted() == ["failure", "heartbeat"], "gateway replica \(i) got \(received.map(\.type))")
        }
        await beats.close()
    }
}
