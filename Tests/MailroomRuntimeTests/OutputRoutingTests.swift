// OutputRoutingTests: which socket of an output sends an envelope (the router's results go back to the gateway
// replica that stamped the email).
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
}
