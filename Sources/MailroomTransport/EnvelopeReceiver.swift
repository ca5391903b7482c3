// EnvelopeReceiver: a PULL or SUB socket on its own Thread, delivering decoded envelopes as an async sequence.
import Foundation
import Logging

/// Receives envelopes on a dedicated Thread and hands them to async code through ``envelopes``.
///
/// Flow control without loss: the thread holds at most `maxInFlight` decoded envelopes that the
/// consumer has not taken yet. With no credit left it stops calling `recv`, so further messages wait
/// in libzmq's queue (bounded by the receive high-water mark), then in the sender's queue, whose
/// PUSH blocks: the slow consumer slows the whole chain instead of dropping or growing memory.
///
/// A malformed message is logged (type and reason only, never text), counted in ``malformedCount``
/// and skipped. ``stop()`` (or ``ZMQContext/shutdown()``) ends the loop; the thread closes the socket
/// and finishes the sequence, after which the consumer still gets the envelopes already delivered.
/// ``drain(timeoutMs:)`` ends it gently: the thread first takes what libzmq already holds for this socket
/// (a stage's graceful shutdown: nothing accepted upstream is left behind in the input queue).
///
/// ```swift
/// let receiver = try EnvelopeReceiver(context: ctx, kind: .pull, endpoints: .bind("ipc:///run/mailroom/cleaner"),
///                                     logger: logger)
/// for await envelope in receiver.envelopes { … }
/// ```
public final class EnvelopeReceiver: Sendable {
    /// The socket kind: PULL, or SUB with its subscription prefixes (empty prefix = everything).
    public enum Kind: Sendable, Equatable {
        case pull
        case subscribe(prefixes: [Data] = [Data()])
    }

    /// The envelopes, in arrival order. Iterate it from one task only.
    public let envelopes: EnvelopeStream
    private let stats: Locked<Stats>
    private let mode: Locked<Mode>
    private let exited: Latch

    private struct Stats { var received = 0, malformed = 0, inFlight = 0 }

    /// What the socket thread is asked to do.
    enum Mode: Equatable {
        /// Block in `recv` one poll interval at a time.
        case receiving
        /// Take only what libzmq already queued, until the queue is empty or the deadline passes, then stop.
        case draining(until: DispatchTime)
        case stopping
    }

    /// Creates the socket on a new thread, binds/connects it, and starts receiving.
    ///
    /// - Parameters:
    ///   - context: the process's context.
    ///   - kind: PULL, or SUB with prefixes.
    ///   - endpoints: endpoints to bind, then connect.
    ///   - maxInFlight: decoded envelopes held for the consumer at most (memory bound).
    ///   - receiveHighWaterMark: libzmq's incoming queue limit per peer, in messages.
    ///   - pollIntervalMs: how long one `recv` blocks before the thread checks for ``stop()``.
    ///   - curve: CURVE client (a subscriber of the router's PUB on tcp) or server; nil: no security.
    ///   - logger: where malformed messages are reported.
    /// - Throws: ``ZMQError`` when the socket cannot be created, bound or connected.
    public init(context: ZMQContext, kind: Kind = .pull, endpoints: Endpoints,
                maxInFlight: Int = TransportDefaults.receiverMaxInFlight,
                receiveHighWaterMark: Int32 = TransportDefaults.highWaterMarkMessages,
                pollIntervalMs: Int32 = TransportDefaults.pollIntervalMs, curve: CurveRole? = nil, logger: Logger) throws {
        precondition(maxInFlight > 0, "EnvelopeReceiver: maxInFlight must be positive; this is a bug")
        // Start at 0 and signal up: libdispatch traps when a semaphore is freed below its initial value.
        let credits = DispatchSemaphore(value: 0)
        for _ in 0..<maxInFlight { credits.signal() }
        let (stream, continuation) = AsyncStream<Envelope>.makeStream(bufferingPolicy: .unbounded)
        let stats = Locked(Stats()), mode = Locked(Mode.receiving), exited = Latch()
        self.stats = stats; self.mode = mode; self.exited = exited
        envelopes = EnvelopeStream(base: stream) {
            stats.withLock { $0.inFlight -= 1 }
            credits.signal()
        }
        continuation.onTermination = { _ in mode.withLock { $0 = .stopping } }

        try SocketThread.start(name: "mailroom.receiver") { ready in
            defer {
                continuation.finish()
                exited.open()
            }
            let socket: ZMQSocket
            do {
                socket = try ZMQSocket(context: context, kind: kind == .pull ? .pull : .sub)
                if let curve { try socket.apply(curve) }
                try socket.set([.receiveHighWaterMark(receiveHighWaterMark), .receiveTimeoutMs(pollIntervalMs)])
                if case .subscribe(let prefixes) = kind { try socket.set(prefixes.map { .subscribe($0) }) }
                for e in endpoints.bind { try socket.bind(e) }
                for e in endpoints.connect { try socket.connect(e) }
            } catch {
                ready(error)
                return
            }
            ready(nil)
            Self.loop(socket: socket, credits: credits, pollIntervalMs: pollIntervalMs, stats: stats,
                      mode: mode, continuation: continuation, logger: logger)
            try? socket.set(.lingerMs(0))  // a receiving socket has nothing to flush
            socket.close()
        }
    }

    private static func loop(socket: ZMQSocket, credits: DispatchSemaphore, pollIntervalMs: Int32,
                             stats: Locked<Stats>, mode: Locked<Mode>,
                             continuation: AsyncStream<Envelope>.Continuation, logger: Logger) {
        let poll = DispatchTimeInterval.milliseconds(Int(pollIntervalMs))
        var holdingCredit = false
        receiving: while true {
            let draining: Bool
            switch mode.withLock({ $0 }) {
            case .receiving: draining = false
            case .draining(let deadline):
                guard DispatchTime.now() < deadline else { break receiving }
                draining = true
            case .stopping: break receiving
            }
            if !holdingCredit {
                // No credit: the consumer holds maxInFlight envelopes. Leave messages in libzmq's queue.
                guard credits.wait(timeout: .now() + poll) == .success else {
                    // Still notice a context shutdown, so zmq_ctx_term is not left waiting for this socket.
                    do { try socket.checkContext() } catch { break receiving }
                    continue
                }
                holdingCredit = true
            }
            let frames: [Data]?
            do { frames = try draining ? socket.tryReceive() : socket.receive() } catch let error as ZMQError {
                if case .contextTerminated = error { break receiving }
                logger.error("receive failed", metadata: ["error": "\(error)"])
                continue
            } catch {
                continue
            }
            guard let frames else {
                if draining { break receiving }  // libzmq's queue is empty: the drain is done
                continue  // receive timeout: check for stop
            }
            do {
                var envelope: Envelope
                if frames.count == Envelope.frameCount + 2, let publication = Publication(frames: frames.prefix(2)) {
                    envelope = try Envelope(frames: Array(frames.suffix(Envelope.frameCount)))
                    envelope.publication = publication
                } else {
                    envelope = try Envelope(frames: frames)
                }
                stats.withLock { $0.received += 1; $0.inFlight += 1 }
                holdingCredit = false
                if case .terminated = continuation.yield(envelope) { break receiving }
            } catch {
                stats.withLock { $0.malformed += 1 }
                logger.warning("dropped malformed message",
                               metadata: ["reason": "\(error)", "frames": "\(frames.count)"])
            }
        }
        if holdingCredit { credits.signal() }
    }

    /// Makes the loop exit, then waits (at most about one poll interval) until the socket is closed.
    /// Envelopes already delivered stay readable in ``envelopes``, which then ends. Safe to call twice.
    public func stop() {
        mode.withLock { $0 = .stopping }
        exited.wait()
    }

    /// Asks the thread to take what libzmq has already queued for this socket (for at most `timeoutMs`), then
    /// close it and end ``envelopes``. Returns at once; keep consuming ``envelopes`` until it ends, since the
    /// drain needs the consumer's credits. Nothing new is waited for: a drain of an idle socket ends at once.
    public func drain(timeoutMs: Int = TransportDefaults.drainTimeoutMs) {
        mode.withLock { m in
            if m == .receiving { m = .draining(until: .now() + .milliseconds(max(0, timeoutMs))) }
        }
    }

    /// Envelopes decoded and delivered so far.
    public var receivedCount: Int { stats.withLock { $0.received } }
    /// Messages rejected as malformed or of an unsupported schema version so far.
    public var malformedCount: Int { stats.withLock { $0.malformed } }
    /// Envelopes delivered to ``envelopes`` that the consumer has not taken yet (≤ `maxInFlight`).
    public var inFlightCount: Int { stats.withLock { $0.inFlight } }
}

/// The async sequence of an ``EnvelopeReceiver``; taking an element returns one credit to the thread.
public struct EnvelopeStream: AsyncSequence, Sendable {
    public typealias Element = Envelope
    let base: AsyncStream<Envelope>
    let onTake: @Sendable () -> Void

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<Envelope>.AsyncIterator
        let onTake: @Sendable () -> Void

        public mutating func next() async -> Envelope? {
            guard let envelope = await base.next() else { return nil }
            onTake()
            return envelope
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: base.makeAsyncIterator(), onTake: onTake)
    }
}
