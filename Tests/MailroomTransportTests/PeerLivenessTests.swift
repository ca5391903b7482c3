// PeerLivenessTests: heartbeat bookkeeping: alive within interval × liveness, silent after it.
import Testing
@testable import MailroomTransport

@Suite struct PeerLivenessTests {
    @Test func replicasExpireAfterTheLivenessWindow() {
        #expect(TransportDefaults.heartbeatTimeoutMs == 3000)
        var liveness = PeerLiveness()
        liveness.record(Heartbeat(stage: "classifier", replica: 0, pid: 10, ready: false), atUnixMs: 1_000)
        liveness.record(Heartbeat(stage: "classifier", replica: 1, pid: 11, ready: true), atUnixMs: 1_000)
        liveness.record(Heartbeat(stage: "cleaner", replica: 0, pid: 12, ready: true), atUnixMs: 2_500)
        #expect(liveness.alive(atUnixMs: 3_999).map(\.pid) == [10, 11, 12])
        #expect(liveness.isReady(stage: "classifier", atUnixMs: 3_999))
        // Replica 0 beats again (now ready); replica 1 falls silent for 3 intervals.
        liveness.record(Heartbeat(stage: "classifier", replica: 0, pid: 10, ready: true), atUnixMs: 3_500)
        #expect(liveness.alive(atUnixMs: 4_000).map(\.pid) == [10, 12])
        #expect(liveness.removeSilent(atUnixMs: 4_000).map(\.pid) == [11])
        #expect(liveness.peers.count == 2)
        #expect(!liveness.isReady(stage: "classifier", atUnixMs: 6_500))
        #expect(!liveness.isReady(stage: "router", atUnixMs: 3_600))
    }
}
