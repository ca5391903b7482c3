// EnvelopeSender: a PUSH or PUB socket on its own Thread, fed from any thread or task through a bounded queue.
import Foundation
import Logging

/// Sends envelopes from a dedicated Thread that owns a PUSH or PUB socket.
///
/// Callers encode on their own thread and enqueue; at most `queueCapacity` envelopes wait that
/// libzmq has not accepted yet. When the queue is full:
/// - ``trySend(_:)`` throws ``TransportError/overloaded(capacity:)`` at once (for the gateway's 429),
/// - ``send(_:)`` suspends the calling task, without blocking a thread, until there is room (for
///   stages: the slowness of the next stage propagates upstream).
///
/// The thread hands messages to libzmq, which queues up to the send high-water mark per peer. A PUSH
/// at its mark waits (nothing is lost); a PUB at its mark drops for that subscriber (libzmq's rule).
/// ``close(drainTimeoutMs:)`` flushes the queue, gives libzmq the rest of the drain time as `LINGER`,
/// and closes.
public final class EnvelopeSender: Sendable {
    /// The socket kind.
    public enum Kind: Sendable, Equatable { case push, publish }

    private struct State {
        var queue: [[Data]] = []
        var queueHead = 0
        /// Envelopes accepted by `trySend`/`send` that libzmq has not accepted yet.
        var outstanding = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
        var nextWaiterID: UInt64 = 0
        var closing = false
        var drainDeadline = DispatchTime.distantFuture
        var sent = 0
        var dropped = 0
    }

    private let state: Locked<State>
    private let wake: DispatchSemaphore
    private let exited: Latch
    /// The most envelopes waiting for libzmq before ``trySend(_:)`` reports overload.
    public let queueCapacity: Int

    /// Creates the socket on a new thread and binds/connects it.
    ///
    /// - Parameters:
    ///   - context: the process's context.
    ///   - kind: PUSH (load-balanced, lossless) or PUB (fan-out, lossy at the mark).
    ///   - endpoints: endpoints to bind, then connect. A PUSH connected to several PULLs round-robins.
    ///   - queueCapacity: envelopes waiting for libzmq at most (memory bound).
    ///   - sendHighWaterMark: libzmq's outgoing queue limit per peer, in messages.
    ///   - immediate: queue only to peers whose connection is complete, so nothing waits for a peer that
    ///     never came up (`ZMQ_IMMEDIATE`).
    ///   - pollIntervalMs: how long one blocked send waits before the thread checks for ``close(drainTimeoutMs:)``.
    ///   - curve: CURVE server (a bound PUB on tcp) or client; nil: no security (ipc inside the 0700 run directory).
    ///   - logger: where send failures are reported.
    /// - Throws: ``ZMQError`` when the socket cannot be created, bound or connected.
    public init(context: ZMQContext, kind: Kind = .push, endpoints: Endpoints,
                queueCapacity: Int = TransportDefaults.senderQueueCapacity,
                sendHighWaterMark: Int32 = TransportDefaults.highWaterMarkMessages, immediate: Bool = false,
                pollIntervalMs: Int32 = TransportDefaults.pollIntervalMs, curve: CurveRole? = nil, logger: Logger) throws {
        precondition(queueCapacity > 0, "EnvelopeSender: queueCapacity must be positive; this is a bug")
        let state = Locked(State()), wake = DispatchSemaphore(value: 0), exited = Latch()
        self.state = state; self.wake = wake; self.exited = exited; self.queueCapacity = queueCapacity
        try SocketThread.start(name: "mailroom.sender") { ready in
            let socket: ZMQSocket
            do {
                socket = try ZMQSocket(context: context, kind: kind == .push ? .push : .pub)
                if let curve { try socket.apply(curve) }
                try socket.set([.sendHighWaterMark(sendHighWaterMark), .sendTimeoutMs(pollIntervalMs),
                                .immediate(immediate)])
                for e in endpoints.bind { try socket.bind(e) }
                for e in endpoints.connect { try socket.connect(e) }
            } catch {
                Self.finish(state: state, exited: exited)
                ready(error)
                return
            }
            ready(nil)
            Self.loop(socket: socket, state: state, wake: wake, pollIntervalMs: pollIntervalMs, logger: logger)
            let lingerMs = state.withLock { s -> Int32 in
                s.closing = true  // refuse new envelopes before the socket goes (context shutdown path)
                // Ended by a context shutdown rather than close(): the socket's default linger applies.
                if s.drainDeadline == .distantFuture { return TransportDefaults.lingerMs }
                let now = DispatchTime.now().uptimeNanoseconds
                let deadline = s.drainDeadline.uptimeNanoseconds
                return deadline > now ? Int32(clamping: (deadline - now) / 1_000_000) : 0
            }
            try? socket.set(.lingerMs(lingerMs))
            socket.close()
            Self.finish(state: state, exited: exited)
        }
    }

    private static func loop(socket: ZMQSocket, state: Locked<State>, wake: DispatchSemaphore,
                             pollIntervalMs: Int32, logger: Logger) {
        let poll = DispatchTimeInterval.milliseconds(Int(pollIntervalMs))
        while true {
            let (next, closing) = state.withLock { s -> ([Data]?, Bool) in
                // Past the drain deadline: leave the rest queued; finish() counts it as dropped, without trying
                // (and waiting a poll interval for) each one.
                if s.closing && .now() >= s.drainDeadline { return (nil, true) }
                guard s.queueHead < s.queue.count else { return (nil, s.closing) }
                let frames = s.queue[s.queueHead]
                s.queueHead += 1
                if s.queueHead == s.queue.count {
                    s.queue.removeAll(keepingCapacity: true); s.queueHead = 0
                } else if s.queueHead >= 64 && s.queueHead * 2 >= s.queue.count {
                    // Under steady load the queue never empties: drop the sent prefix (amortized O(1)).
                    s.queue.removeFirst(s.queueHead); s.queueHead = 0
                }
                return (frames, s.closing)
            }
            guard let frames = next else {
                if closing { return }
                if wake.wait(timeout: .now() + poll) == .timedOut {
                    // Idle: notice a context shutdown, so zmq_ctx_term is not left waiting for this socket.
                    do { try socket.checkContext() } catch { return }
                }
                continue
            }
            var accepted = false
            do {
                // A PUSH at its high-water mark times out after pollIntervalMs; retry until closing ends it.
                while !accepted {
                    accepted = try socket.send(frames)
                    if !accepted && state.withLock({ $0.closing && .now() >= $0.drainDeadline }) { break }
                }
            } catch let error as ZMQError {
                if case .contextTerminated = error {
                    state.withLock { $0.dropped += 1 }
                    return
                }
                logger.error("send failed", metadata: ["error": "\(error)"])
            } catch {}
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                s.outstanding -= 1
                if accepted { s.sent += 1 } else { s.dropped += 1 }
                return s.waiters.isEmpty ? nil : s.waiters.removeFirst().continuation
            }
            waiter?.resume()
        }
    }

    /// Marks the sender closed, counts what never left as dropped, fails waiting callers, opens `exited`.
    private static func finish(state: Locked<State>, exited: Latch) {
        let waiters = state.withLock { s in
            s.closing = true
            s.dropped += s.queue.count - s.queueHead
            s.queue = []; s.queueHead = 0; s.outstanding = 0
            defer { s.waiters = [] }
            return s.waiters.map(\.continuation)
        }
        for w in waiters { w.resume(throwing: TransportError.closed) }
        exited.open()
    }

    private func encode(_ envelope: Envelope) throws -> [Data] {
        do { return try envelope.frames() } catch {
            throw TransportError.encodingFailed(type: envelope.type, reason: "\(error)")
        }
    }

    /// Adds encoded frames if there is room. Returns `false` when full; throws when closed.
    private func enqueue(_ frames: [Data]) throws -> Bool {
        let added = try state.withLock { s -> Bool in
            if s.closing { throw TransportError.closed }
            guard s.outstanding < queueCapacity else { return false }
            s.queue.append(frames)
            s.outstanding += 1
            return true
        }
        if added { wake.signal() }
        return added
    }

    /// Enqueues `envelope` without waiting.
    /// - Throws: ``TransportError/overloaded(capacity:)`` when `queueCapacity` envelopes are waiting,
    ///   ``TransportError/closed`` after close, ``TransportError/encodingFailed(type:reason:)``.
    ///   - prefix: frames sent before the envelope's two (a PUB topic and sequence number, for example).
    public func trySend(_ envelope: Envelope, prefix: [Data] = []) throws {
        guard try enqueue(prefix + encode(envelope)) else { throw TransportError.overloaded(capacity: queueCapacity) }
    }

    /// Enqueues `envelope`, suspending the task (not blocking a thread) while the queue is full.
    /// - Throws: ``TransportError/closed`` when the sender closes first, `CancellationError` when the task
    ///   is cancelled while waiting, ``TransportError/encodingFailed(type:reason:)``.
    ///   - prefix: frames sent before the envelope's two (a PUB topic and sequence number, for example).
    public func send(_ envelope: Envelope, prefix: [Data] = []) async throws {
        let frames = try prefix + encode(envelope)
        while try !enqueue(frames) {
            try await waitForRoom()
        }
    }

    private func waitForRoom() async throws {
        let id = state.withLock { s -> UInt64 in
            defer { s.nextWaiterID += 1 }
            return s.nextWaiterID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome = state.withLock { s -> Result<Void, any Error>? in
                    if s.closing { return .failure(TransportError.closed) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if s.outstanding < queueCapacity { return .success(()) }
                    s.waiters.append((id, continuation))
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Stops accepting envelopes, sends those queued for up to `drainTimeoutMs`, lets libzmq transmit
    /// for what remains of that time (`LINGER`), and closes the socket. Envelopes still queued at the
    /// deadline are dropped and counted in ``droppedCount``. Safe to call twice.
    ///
    /// > Warning: blocks the calling thread for up to `drainTimeoutMs` plus one poll interval.
    public func close(drainTimeoutMs: Int = TransportDefaults.drainTimeoutMs) {
        state.withLock { s in
            if !s.closing {
                s.closing = true
                s.drainDeadline = .now() + .milliseconds(max(0, drainTimeoutMs))
            }
        }
        wake.signal()
        exited.wait()
    }

    /// Envelopes handed to libzmq so far.
    public var sentCount: Int { state.withLock { $0.sent } }
    /// Envelopes that never reached libzmq (closed before they could be sent).
    public var droppedCount: Int { state.withLock { $0.dropped } }
    /// Envelopes accepted but not yet handed to libzmq.
    public var pendingCount: Int { state.withLock { $0.outstanding } }
    /// Slots held by the queue's storage, sent ones included (for tests of its memory bound).
    var queueStorageCount: Int { state.withLock { $0.queue.count } }
}
