// HeartbeatSender: a stage's heartbeats to the gateways, on their own task, so that a long batch or a send blocked
// by a full next stage never silences them (the gateway's /readyz does not flap while a stage is merely busy).
import Foundation
import Logging
import MailroomTransport
import Synchronization

/// Sends a ``Heartbeat`` every ``TransportDefaults/heartbeatIntervalMs`` to every gateway replica's control endpoint
/// (one connected PUSH socket each, so that each replica hears every beat), carrying the readiness last reported by
/// the stage's handler.
///
/// Heartbeats are best effort: when no gateway is there (or it is slow), they are dropped rather than queued.
final class HeartbeatSender: Sendable {
    /// One per gateway replica.
    let senders: [EnvelopeSender]
    private let stage: String
    private let replica: Int
    private let state = Mutex(StageReadiness(ready: false))
    /// Held while a beat reads the readiness and queues itself: the periodic thread and ``update(_:now:)`` beat from
    /// different threads, and without it a beat read before a change could be queued after the change's own beat
    /// (the gateway would hear "ready", then a stale "not ready" until the next interval).
    private let beating = Mutex(())

    init(context: ZMQContext, endpoints: [String], stage: String, replica: Int, logger: Logger) throws {
        var senders: [EnvelopeSender] = []
        do {
            for endpoint in endpoints {
                senders.append(try EnvelopeSender(context: context, kind: .push, endpoints: Endpoints(connect: [endpoint]),
                                                  queueCapacity: 4, sendHighWaterMark: 16, immediate: true, logger: logger))
            }
        } catch {
            for s in senders { s.close(drainTimeoutMs: 0) }
            throw error
        }
        self.senders = senders
        self.stage = stage; self.replica = replica
    }

    /// Offers `envelope` to every gateway replica without waiting (a full or absent one misses it): heartbeats, and
    /// failure reports, which only the replica holding the email acts on.
    func sendToAll(_ envelope: Envelope) {
        for s in senders { try? s.trySend(envelope) }
    }

    /// The readiness the next heartbeat carries.
    var readiness: StageReadiness { state.withLock { $0 } }

    /// Records the handler's readiness; sends a heartbeat at once with `now` (on start) and whenever what the
    /// gateway checks against changed (ready, the model version, its heads, the shadow): after a promotion the
    /// gateway accepts the new model's labels in feedback without waiting for the next interval.
    func update(_ readiness: StageReadiness, now: Bool = false) {
        let changed = state.withLock { s -> Bool in
            defer { s = readiness }
            return s.ready != readiness.ready || s.modelVersion != readiness.modelVersion || s.heads != readiness.heads
                || s.shadowVersion != readiness.shadowVersion
        }
        if now || changed { beat() }
    }

    /// Beats every interval from a thread of its own until the task is cancelled: neither a long batch nor a
    /// cooperative pool kept busy by other work can delay a heartbeat.
    func run() async {
        let stop = DispatchSemaphore(value: 0)
        let stopped = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            repeat { beat() } while stop.wait(timeout: .now() + .milliseconds(TransportDefaults.heartbeatIntervalMs)) == .timedOut
            stopped.signal()
        }
        thread.name = "mailroom.heartbeat"
        thread.start()
        // Park this task until cancelled (sleeping in long steps costs nothing).
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        stop.signal()
        stopped.wait()
    }

    /// One last heartbeat saying "not ready" (the gateway stops counting on this replica at once), then close.
    func close() async {
        update(StageReadiness(ready: false, modelVersion: readiness.modelVersion), now: true)
        await closeSenders(senders, drainTimeoutMs: 100)
    }

    private func beat() {
        beating.withLock { _ in
            let r = readiness
            let heartbeat = Heartbeat(stage: stage, replica: replica, pid: getpid(), ready: r.ready, modelVersion: r.modelVersion,
                                      heads: r.heads, shadowVersion: r.shadowVersion, figures: r.figures)
            // Full (no gateway listening, or it is slow): drop this beat; the next one says the same. (trySend only
            // queues: holding the lock never waits for a gateway.)
            sendToAll(Envelope(messageID: "\(stage)/\(replica)", payload: .heartbeat(heartbeat)))
        }
    }
}
