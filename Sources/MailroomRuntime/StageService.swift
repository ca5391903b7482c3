// StageService: the one runtime every ZeroMQ stage (cleaner, classifier, router, feedback-collector) runs as a
// ServiceLifecycle `Service`: prepare the handler, open the input PULL socket, read batches, hand them to the
// handler on its own thread, send what it returns (waiting while the next stage is full), heartbeat the gateway
// from a separate task, and on graceful shutdown (SIGTERM/SIGINT through the ServiceGroup) drain what is queued
// on the input, flush the outputs within the drain time and return.
import Dispatch
import Foundation
import Logging
import MailroomCore
import MailroomTransport
import ServiceLifecycle

/// A stage's sockets: its input, one endpoint list per declared output, and the gateways' heartbeat endpoints.
public struct StageEndpoints<Port: StagePort>: Sendable {
    /// The PULL endpoint(s) this replica reads from: bound (`--pull`), or connected to the previous stage's bound
    /// PUSH sockets (`--pull-from`).
    public var input: Endpoints
    public var outputs: [Port: StageOutputSpec]
    /// Gateway control endpoints that receive heartbeats (connected PUSH).
    public var control: [String]
    public init(input: Endpoints, outputs: [Port: StageOutputSpec], control: [String]) {
        self.input = input; self.outputs = outputs; self.control = control
    }
}

/// Why a stage cannot start, each with the fix.
public enum StageError: Error, CustomStringConvertible, Equatable {
    case noInput(stage: String)
    case outputNotConfigured(stage: String, output: String)

    public var description: String {
        switch self {
        case .noInput(let stage): "\(stage) has no input endpoint: pass --pull ENDPOINT (bind) or --pull-from ENDPOINTS (connect)"
        case .outputNotConfigured(let stage, let output):
            "\(stage) output \(output) has no endpoint: pass --\(output) ENDPOINTS"
        }
    }
}

/// Runs one ``StageHandler`` until the service group shuts down gracefully.
public struct StageService<Handler: StageHandler>: Service {
    private let thread: HandlerThread<Handler>
    private let stage: String
    private let maxBatch: Int
    private let endpoints: StageEndpoints<Handler.Output>
    private let replica: Int
    private let context: ZMQContext
    private let logger: Logger
    /// How long shutdown spends taking what is queued on the input, and again flushing each output.
    private let drainTimeoutMs: Int
    /// What this stage has done so far, with its other figures for its own /metrics.
    public let metrics: StageMetrics
    /// What this stage has done so far.
    public var counters: StageCounters { metrics.counters }

    /// - Parameters:
    ///   - handler: the stage's logic; from now on only the stage's handler thread touches it.
    ///   - endpoints: input, every output of `Handler.Output`, and the gateways' control endpoints.
    ///   - replica: this replica's number (in heartbeats and stamps).
    ///   - context: the process's ZeroMQ context (tests share one with `inproc://` peers); the caller terminates it.
    public init(handler: Handler, endpoints: StageEndpoints<Handler.Output>, replica: Int, context: ZMQContext,
                logger: Logger, drainTimeoutMs: Int = TransportDefaults.drainTimeoutMs) {
        stage = handler.stage
        maxBatch = max(1, handler.maxBatch)
        thread = HandlerThread(handler)
        self.endpoints = endpoints; self.replica = replica; self.context = context; self.logger = logger
        self.drainTimeoutMs = drainTimeoutMs
        metrics = StageMetrics(stage: handler.stage, replica: replica)
    }

    public func run() async throws {
        guard !(endpoints.input.bind.isEmpty && endpoints.input.connect.isEmpty) else { throw StageError.noInput(stage: stage) }
        for port in Handler.Output.allCases where endpoints.outputs[port]?.endpoints.isEmpty ?? true {
            throw StageError.outputNotConfigured(stage: stage, output: port.name)
        }
        let meta: Logger.Metadata = ["stage": "\(stage)", "replica": "\(replica)"]
        let heartbeats = try HeartbeatSender(context: context, endpoints: endpoints.control, stage: stage,
                                             replica: replica, logger: logger)
        var outputs: [Handler.Output: [EnvelopeSender]] = [:]
        // CURVE server sockets ask this context's ZAP handler about every client; it lives as long as the context.
        let zap = try endpoints.outputs.values.compactMap({ spec -> CurveDirectory? in
            if case .server(_, let clients) = spec.curve { return clients } else { return nil }
        }).first.map { try ZAPHandler(context: context, clients: $0, logger: logger) }
        defer { zap?.stop() }
        do {
            for (port, spec) in endpoints.outputs {
                for socket in spec.sockets {
                    outputs[port, default: []].append(try EnvelopeSender(
                        context: context, kind: socket.kind, endpoints: socket.endpoints,
                        queueCapacity: maxBatch * 2, immediate: socket.kind == .push, curve: spec.curve, logger: logger))
                }
            }
        } catch {
            await closeSenders(outputs.values.flatMap { $0 } + heartbeats.senders, drainTimeoutMs: 0)
            throw error
        }
        let senders = outputs
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await heartbeats.run() }
                try await serve(outputs: senders, heartbeats: heartbeats, meta: meta)
                group.cancelAll()
            }
        } catch {
            await closeSenders(senders.values.flatMap { $0 }, drainTimeoutMs: 0)
            await heartbeats.close()
            throw error
        }
        await closeSenders(senders.values.flatMap { $0 }, drainTimeoutMs: drainTimeoutMs)
        let dropped = senders.values.joined().reduce(0) { $0 + $1.droppedCount }
        counters.update { $0.lost += dropped }
        let lost = counters.snapshot.lost
        if lost > 0 { logger.error("could not deliver during shutdown", metadata: meta.merging(["lost": "\(lost)"]) { $1 }) }
        await heartbeats.close()
        let c = counters.snapshot
        logger.info("stopped", metadata: meta.merging(["handled": "\(c.handled)", "sent": "\(c.sent)",
                                                        "rejected": "\(c.rejected)"]) { $1 })
    }

    /// Prepares the handler, then reads, handles and sends until the input has been drained.
    private func serve(outputs: [Handler.Output: [EnvelopeSender]], heartbeats: HeartbeatSender,
                       meta: Logger.Metadata) async throws {
        logger.info("preparing", metadata: meta)
        let report: @Sendable (StageReadiness, Bool) -> Void = { [metrics] readiness, now in
            metrics.record(readiness: readiness)
            heartbeats.update(readiness, now: now)
        }
        report(try await thread.run { try $0.prepare() }.1, true)

        let input = try EnvelopeReceiver(context: context, kind: .pull, endpoints: endpoints.input,
                                         maxInFlight: maxBatch, logger: logger)
        logger.info("ready", metadata: meta.merging(["input": "\((endpoints.input.bind + endpoints.input.connect).joined(separator: ","))"]) { $1 })
        metrics.measureWaiting { input.inFlightCount }
        report(heartbeats.readiness, true)

        try await withThrowingTaskGroup(of: Void.self) { group in
            // Between batches: the handler's idle work (e.g. following the registry), on its thread.
            group.addTask {
                while !Task.isCancelled {
                    try await Task.sleep(for: .milliseconds(Int(TransportDefaults.pollIntervalMs)))
                    let (more, readiness) = try await thread.run { $0.idle() }
                    report(readiness, false)
                    if !more.isEmpty { try await send(more, outputs: outputs) }
                }
            }
            // Graceful shutdown: take what libzmq already queued, then end; give up on blocked sends after the
            // drain time (what was still unsent is counted and logged as lost).
            group.addTask {
                try await gracefulShutdown()
                logger.info("draining", metadata: meta)
                input.drain(timeoutMs: drainTimeoutMs)
                try await Task.sleep(for: .milliseconds(2 * drainTimeoutMs))
                await closeSenders(outputs.values.flatMap { $0 }, drainTimeoutMs: 0)
            }
            var envelopes = input.envelopes.makeAsyncIterator()
            var held: Envelope?
            while true {
                let next: Envelope?
                if let h = held { next = h } else { next = await envelopes.next() }
                guard let first = next else { break }
                held = nil
                // A re-sent email (attempt > 1) may be the one that crashed the last batch: it goes alone.
                var batch = [first]
                while first.attempt == 1, batch.count < maxBatch, input.inFlightCount > 0, let more = await envelopes.next() {
                    if more.attempt > 1 { held = more; break }
                    batch.append(more)
                }
                let started = ContinuousClock.now
                let ((out, failures), readiness) = try await thread.run { [batch] in ($0.handle(batch), $0.takeFailures()) }
                let took = ContinuousClock.now - started
                metrics.record(batch: batch.count,
                               seconds: Double(took.components.seconds) + Double(took.components.attoseconds) * 1e-18)
                report(readiness, false)
                counters.update { $0.handled += batch.count; $0.rejected = input.malformedCount; $0.failed += failures.count }
                for failure in failures {
                    logger.warning("could not handle an email; reported to the gateway",
                                   metadata: meta.merging(["mail.id": "\(failure.id.debugDescription)", "reason": "\(failure.reason)"]) { $1 })
                    heartbeats.sendToAll(Envelope(messageID: failure.id, payload: .failure(
                        StageFailure(id: failure.id, stage: stage, replica: replica, reason: failure.reason))))
                }
                try await send(out, outputs: outputs)
            }
            group.cancelAll()
        }
        counters.update { $0.rejected = input.malformedCount }
        logger.info("input drained", metadata: meta)
    }

    /// Sends what the handler returned: a `.wait` output waits for room, a `.handBack` output takes what fits and
    /// hands the rest back; then tells the handler which was which.
    private func send(_ out: [StageOutput<Handler.Output>], outputs: [Handler.Output: [EnvelopeSender]]) async throws {
        var delivered: [StageOutput<Handler.Output>] = [], undelivered: [StageOutput<Handler.Output>] = []
        for o in out {
            guard let senders = outputs[o.port], let spec = endpoints.outputs[o.port] else { continue }  // checked at start
            let sender = senders[spec.socketIndex(for: o.envelope)]
            let envelope = o.envelope.stamped(stage: stage, replica: replica)
            if endpoints.outputs[o.port]?.whenFull == .handBack {
                do { try sender.trySend(envelope, prefix: o.prefix) } catch TransportError.overloaded, TransportError.closed {
                    undelivered.append(o)
                    counters.update { $0.handedBack += 1 }
                    continue
                }
            } else {
                do { try await sender.send(envelope, prefix: o.prefix) } catch TransportError.closed {
                    // Shutdown gave up on a next stage that was not taking: this one is lost, and logged as such.
                    counters.update { $0.lost += 1 }
                    continue
                }
            }
            delivered.append(o)
            counters.update { $0.sent += 1 }
        }
        let settledDelivered = delivered, settledUndelivered = undelivered
        _ = try await thread.run { $0.settled(delivered: settledDelivered, undelivered: settledUndelivered) }
    }
}

/// Closes senders off the cooperative pool (a close blocks its thread for up to its drain time).
func closeSenders(_ senders: [EnvelopeSender], drainTimeoutMs: Int) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().async {
            for s in senders { s.close(drainTimeoutMs: drainTimeoutMs) }
            continuation.resume()
        }
    }
}
