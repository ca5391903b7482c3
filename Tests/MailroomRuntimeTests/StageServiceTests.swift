// StageServiceTests: the stage runtime over real libzmq `inproc://` sockets in one context, run in a real
// ServiceGroup: it forwards on its typed outputs, drains its input on graceful shutdown, counts and skips a bad
// frame, refuses an output without endpoints, keeps heartbeating while its handler is stuck in a long batch, and a
// bound output deals round-robin to the next stage's replicas that connect to it.
import Foundation
import Logging
import MailroomCore
import MailroomRuntime
import MailroomTransport
import ServiceLifecycle
import Synchronization
import Testing

/// Outputs of the test stage.
enum EchoOutput: String, StagePort { case out, copy }

/// Forwards every envelope to `out` (and, for ids ending in "!", also to `copy`), sleeping `delay` per batch.
final class EchoHandler: StageHandler {
    let stage = "echo"
    let maxBatch = 8
    let delay: Double
    let batches = Mutex<[Int]>([])
    /// Read on the handler thread right before and right after each batch (e.g. how many heartbeats arrived).
    let probe: (@Sendable () -> Int)?
    let probed = Mutex<[(before: Int, after: Int)]>([])
    init(delay: Double = 0, probe: (@Sendable () -> Int)? = nil) { self.delay = delay; self.probe = probe }
    func handle(_ batch: [Envelope]) -> [StageOutput<EchoOutput>] {
        let before = probe?() ?? 0
        if delay > 0 { Thread.sleep(forTimeInterval: delay) }
        if let probe { probed.withLock { $0.append((before, probe())) } }
        batches.withLock { $0.append(batch.count) }
        return batch.flatMap { env -> [StageOutput<EchoOutput>] in
            env.messageID.hasSuffix("!") ? [StageOutput(.out, env), StageOutput(.copy, env)] : [StageOutput(.out, env)]
        }
    }
}

/// Silent, or on stderr with MAILROOM_TEST_LOG=1 (to see the runtime's log lines when a test fails).
let quiet = Logger(label: "test") { label -> any LogHandler in
    ProcessInfo.processInfo.environment["MAILROOM_TEST_LOG"] == nil ? SwiftLogNoOpLogHandler() : StreamLogHandler.standardError(label: label)
}

/// A unique inproc endpoint name per test.
func inproc(_ name: String) -> String { "inproc://\(name)-\(UUID().uuidString.prefix(8))" }

func email(_ id: String) -> Envelope {
    Envelope(messageID: id, payload: .email(Email(id: id, subject: "s", body: "b")))
}

/// Collects envelopes from a bound PULL until `count` have arrived or `seconds` pass.
func collect(_ receiver: EnvelopeReceiver, count: Int, seconds: Double = 60) async -> [Envelope] {
    await withTaskGroup(of: [Envelope].self) { group in
        group.addTask {
            var got: [Envelope] = []
            for await e in receiver.envelopes {
                got.append(e)
                if got.count == count { break }
            }
            return got
        }
        group.addTask { try? await Task.sleep(for: .seconds(seconds)); return [] }
        let first = await group.next() ?? []
        group.cancelAll()
        return first
    }
}

/// A stage running in its own ServiceGroup, with its ZeroMQ peers.
struct RunningStage {
    let group: ServiceGroup
    let task: Task<Void, any Error>
    let service: StageService<EchoHandler>

    /// `input` is bound, unless `pullFrom` lists endpoints to connect to instead.
    init(handler: EchoHandler, context: ZMQContext, input: String = "", pullFrom: [String] = [],
         outputs: [EchoOutput: StageOutputSpec], control: [String] = [],
         drainTimeoutMs: Int = TransportDefaults.drainTimeoutMs) {
        let endpoints = pullFrom.isEmpty ? Endpoints(bind: [input]) : Endpoints(connect: pullFrom)
        service = StageService(handler: handler, endpoints: StageEndpoints(input: endpoints, outputs: outputs, control: control),
                               replica: 3, context: context, logger: quiet, drainTimeoutMs: drainTimeoutMs)
        group = ServiceGroup(configuration: .init(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)], logger: quiet))
        task = Task { [group] in try await group.run() }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

@Suite(.timeLimit(.minutes(3))) struct StageServiceTests {
    @Test func forwardsOnTypedOutputsAndDrainsItsInputOnShutdown() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let (input, out, copy) = (inproc("in"), inproc("out"), inproc("copy"))
        let outReceiver = try EnvelopeReceiver(context: context, endpoints: .bind(out), logger: quiet)
        let copyReceiver = try EnvelopeReceiver(context: context, endpoints: .bind(copy), logger: quiet)
        defer { outReceiver.stop(); copyReceiver.stop() }
        let handler = EchoHandler(delay: 0.01)
        // A drain budget far above the ~0.4 s the drain needs: it ends when the input is empty, and the full parallel
        // test run can slow this process's tasks down a lot.
        let stage = RunningStage(handler: handler, context: context, input: input,
                                 outputs: [.out: .push([out]), .copy: .push([copy])], drainTimeoutMs: 30_000)
        let upstream = try EnvelopeSender(context: context, endpoints: .connect(input), logger: quiet)
        let count = 300
        for i in 0..<count { try await upstream.send(email(i == 7 ? "mail-7!" : "mail-\(i)")) }
        while upstream.pendingCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
        // Shut down while most of the 300 still wait in the input queue (the handler takes 10 ms per batch of ≤ 8).
        try await stage.stop()
        let forwarded = await collect(outReceiver, count: count)
        #expect(forwarded.count == count, "the drain forwarded \(forwarded.count) of \(count)")
        #expect(Set(forwarded.map(\.messageID)).count == count)
        #expect(forwarded.allSatisfy { $0.stamps.last?.stage == "echo" && $0.stamps.last?.replica == 3 })
        let copied = await collect(copyReceiver, count: 1)
        #expect(copied.map(\.messageID) == ["mail-7!"])
        #expect(handler.batches.withLock { $0.max() ?? 0 } > 1, "queued envelopes are handled in batches")
        #expect(handler.batches.withLock { $0.allSatisfy { $0 <= 8 } })
        let counters = stage.service.counters.snapshot
        #expect(counters.handled == count && counters.sent == count + 1 && counters.lost == 0)
        upstream.close()
    }

    @Test func shutdownGivesUpOnADeadNextStageInBoundedTimeAndCountsTheLoss() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let input = inproc("in")
        // Nobody binds `out` (an ipc path no process listens on; an unbound inproc name would queue in libzmq):
        // the next stage is down, so every send waits while running (nothing is dropped).
        let nobody = "ipc:///tmp/mailroom-test-nobody-\(UUID().uuidString.prefix(8))"
        let stage = RunningStage(handler: EchoHandler(), context: context, input: input,
                                 outputs: [.out: .push([nobody]), .copy: .push([nobody + "-copy"])],
                                 drainTimeoutMs: 200)
        let upstream = try EnvelopeSender(context: context, endpoints: .connect(input), logger: quiet)
        for i in 0..<40 { try await upstream.send(email("m\(i)")) }
        while stage.service.counters.snapshot.handled < 8 { try await Task.sleep(for: .milliseconds(10)) }
        let start = Date()
        try await stage.stop()
        let seconds = Date().timeIntervalSince(start)
        #expect(seconds < 60, "shutdown took \(seconds) s with the next stage down (it must not wait for it forever)")
        let c = stage.service.counters.snapshot
        #expect(c.handled > 0 && c.lost == c.handled, "every output was lost: \(c)")
        upstream.close()
    }

    @Test func aBadFrameIsCountedAndSkipped() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let (input, out) = (inproc("in"), inproc("out"))
        let outReceiver = try EnvelopeReceiver(context: context, endpoints: .bind(out), logger: quiet)
        defer { outReceiver.stop() }
        let stage = RunningStage(handler: EchoHandler(), context: context, input: input,
                                 outputs: [.out: .push([out]), .copy: .push([inproc("unused")])])
        let raw = try ZMQSocket(context: context, kind: .push)
        try raw.set(.lingerMs(0))
        try raw.connect(input)
        _ = try raw.send([Data("not an envelope".utf8)])
        _ = try raw.send(try email("after-the-bad-one").frames())
        let forwarded = await collect(outReceiver, count: 1)
        #expect(forwarded.map(\.messageID) == ["after-the-bad-one"])
        #expect(stage.service.counters.snapshot.rejected == 1)
        raw.close()
        try await stage.stop()
    }

    @Test func anOutputWithoutEndpointsIsRefusedAtStart() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let service = StageService(handler: EchoHandler(),
                                   endpoints: StageEndpoints(input: .bind(inproc("in")), outputs: [.out: .push([inproc("out")])],
                                                             control: []),
                                   replica: 0, context: context, logger: quiet)
        await #expect(throws: StageError.outputNotConfigured(stage: "echo", output: "copy")) { try await service.run() }
    }

    @Test func heartbeatsGoOnDuringALongBatch() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let (input, out, control) = (inproc("in"), inproc("out"), inproc("control"))
        let outReceiver = try EnvelopeReceiver(context: context, endpoints: .bind(out), logger: quiet)
        let beats = try EnvelopeReceiver(context: context, endpoints: .bind(control), maxInFlight: 1000, logger: quiet)
        defer { outReceiver.stop(); beats.stop() }
        // The handler sleeps 3.5 s in one batch and counts, from its own thread, the heartbeats that arrived
        // meanwhile (counted by the receiving socket's thread, so a busy test runner cannot skew it).
        let handler = EchoHandler(delay: 3.5, probe: { beats.receivedCount })
        let stage = RunningStage(handler: handler, context: context, input: input,
                                 outputs: [.out: .push([out]), .copy: .push([inproc("unused")])], control: [control])
        let upstream = try EnvelopeSender(context: context, endpoints: .connect(input), logger: quiet)
        try await upstream.send(email("slow"))
        #expect(await collect(outReceiver, count: 1).map(\.messageID) == ["slow"])
        let (before, after) = try #require(handler.probed.withLock { $0.first })
        #expect(after - before >= 3, "\(after - before) heartbeats during a 3.5 s batch (one a second expected)")
        let received = await collect(beats, count: after)
        #expect(received.count == after)
        for env in received {
            guard case .heartbeat(let h) = env.payload else { Issue.record("not a heartbeat: \(env.type)"); continue }
            #expect(h.stage == "echo" && h.replica == 3)
        }
        let beatsReceived = received.compactMap { env -> Heartbeat? in
            if case .heartbeat(let h) = env.payload { h } else { nil }
        }
        // Once it has said it is ready, a busy stage keeps saying so, and no beat read before it became ready comes
        // after one that says so (the periodic thread and the start-up report beat from different threads).
        let firstReady = try #require(beatsReceived.firstIndex { $0.ready }, "no heartbeat said ready")
        #expect(beatsReceived[firstReady...].allSatisfy { $0.ready }, "a busy stage still says it is ready: \(beatsReceived.map { $0.ready ? "R" : "n" }.joined()), batch from \(before) to \(after)")
        upstream.close()
        try await stage.stop()
    }

    @Test func aBoundOutputDealsRoundRobinToTheReplicasThatConnect() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let (input, middle, out) = (inproc("in"), inproc("middle"), inproc("out"))
        let outReceiver = try EnvelopeReceiver(context: context, endpoints: .bind(out), maxInFlight: 1000, logger: quiet)
        defer { outReceiver.stop() }
        // first binds `middle` (as the cleaner binds --push-bind); two replicas of the next stage connect to it and
        // bind nothing (as the classifiers' --pull-from).
        let first = RunningStage(handler: EchoHandler(), context: context, input: input,
                                 outputs: [.out: .pushBound([middle]), .copy: .push([inproc("unused")])])
        let replicas = (0..<2).map { _ in
            RunningStage(handler: EchoHandler(delay: 0.002), context: context, pullFrom: [middle],
                         outputs: [.out: .push([out]), .copy: .push([inproc("unused")])])
        }
        while !replicas.allSatisfy({ $0.service.metrics.ready }) { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(200))  // both connected before the first email
        let upstream = try EnvelopeSender(context: context, endpoints: .connect(input), logger: quiet)
        let count = 200
        for i in 0..<count { try await upstream.send(email("m\(i)")) }
        let arrived = await collect(outReceiver, count: count)
        #expect(arrived.count == count && Set(arrived.map(\.messageID)).count == count)
        let handled = replicas.map { $0.service.counters.snapshot.handled }
        #expect(handled.reduce(0, +) == count)
        // Round-robin over the two connected pipes: each takes about half.
        #expect(handled.allSatisfy { $0 >= count / 4 }, "the replicas handled \(handled)")
        upstream.close()
        for stage in [first] + replicas { try await stage.stop() }
    }
}
