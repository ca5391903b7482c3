// StageRunner: the one poll loop every ZeroMQ stage (cleaner, classifier, router, feedback-collector) runs:
// bind the input PULL socket, read batches, hand them to the stage's handler, send what it returns, heartbeat
// the gateway, and on SIGTERM/SIGINT drain what is queued, close with LINGER and return exit code 0.
import Foundation
import Logging
import MailroomCore
import MailroomTransport

/// Where one named output of a stage goes.
public struct StageOutputSpec: Sendable {
    public enum Kind: Sendable { case push, publish }
    public var kind: Kind
    /// PUSH outputs connect to every endpoint (round-robin across replicas); PUB outputs bind them.
    public var endpoints: [String]
    public init(kind: Kind, endpoints: [String]) { self.kind = kind; self.endpoints = endpoints }
}

/// A stage's sockets: its input, its named outputs and the gateway's heartbeat endpoint(s).
public struct StageEndpoints: Sendable {
    /// Bound PULL endpoint(s) this replica reads from.
    public var input: [String]
    public var outputs: [String: StageOutputSpec]
    /// Gateway control endpoints that receive heartbeats (connected PUSH).
    public var control: [String]
    public init(input: [String], outputs: [String: StageOutputSpec], control: [String]) {
        self.input = input; self.outputs = outputs; self.control = control
    }
}

/// One message a handler wants sent, on the output named `port`.
public struct StageOutput: Sendable {
    public var port: String
    public var envelope: Envelope
    public init(port: String, envelope: Envelope) { self.port = port; self.envelope = envelope }
}

/// The logic of one stage. Called from the runner's single thread only.
public protocol StageHandler: AnyObject {
    /// `cleaner`, `classifier`, `router`, `feedback-collector`.
    var stage: String { get }
    /// Most messages handed to ``handle(_:)`` at once.
    var maxBatch: Int { get }
    /// Work before the input socket binds (e.g. load and warm a model). Upstream holds messages meanwhile.
    func prepare() throws
    /// Handles a batch of envelopes (already validated), returning what to send on.
    func handle(_ batch: [Envelope]) -> [StageOutput]
    /// Ready to serve, and the model version if the stage has one.
    var status: (ready: Bool, modelVersion: String?) { get }
    /// Called when the input has been idle for a poll interval.
    func idle()
}

extension StageHandler {
    public func prepare() throws {}
    public var status: (ready: Bool, modelVersion: String?) { (true, nil) }
    public func idle() {}
}

/// Runs a ``StageHandler`` on the calling thread until shutdown is requested.
public final class StageRunner {
    private let handler: any StageHandler
    private let endpoints: StageEndpoints
    private let replica: Int
    private let logger: Logger
    private let shutdown: ShutdownSignal
    private var rejected = 0

    public init(handler: any StageHandler, endpoints: StageEndpoints, replica: Int, logger: Logger,
                shutdown: ShutdownSignal = .shared) {
        self.handler = handler; self.endpoints = endpoints; self.replica = replica
        self.logger = logger; self.shutdown = shutdown
    }

    /// Blocks until SIGTERM/SIGINT (or ``ShutdownSignal/request()``), then drains and closes. Returns the exit code.
    public func run() throws -> Int32 {
        let context = try ZMQContext()
        defer { context.terminate() }

        var outputs: [String: ZMQSocket] = [:]
        for (name, spec) in endpoints.outputs {
            let socket = try ZMQSocket(context: context, kind: spec.kind == .push ? .push : .pub)
            try socket.set([.lingerMs(Int32(TransportDefaults.drainTimeoutMs)),
                            .sendHighWaterMark(TransportDefaults.highWaterMarkMessages),
                            .sendTimeoutMs(Int32(TransportDefaults.pollIntervalMs))])
            if spec.kind == .push {
                try socket.set(.immediate(true))
                for e in spec.endpoints { try socket.connect(e) }
            } else {
                for e in spec.endpoints { try socket.bind(e) }
            }
            outputs[name] = socket
        }
        let control = try ZMQSocket(context: context, kind: .push)
        try control.set([.lingerMs(0), .sendHighWaterMark(16), .immediate(true)])
        for e in endpoints.control { try control.connect(e) }
        defer {
            control.close()
            for s in outputs.values { s.close() }
        }

        var lastBeat = 0.0
        func beat(force: Bool = false) {
            let t = Date().timeIntervalSince1970
            guard force || t - lastBeat >= Double(TransportDefaults.heartbeatIntervalMs) / 1000 else { return }
            lastBeat = t
            let s = handler.status
            let hb = Heartbeat(stage: handler.stage, replica: replica, pid: getpid(), ready: s.ready, modelVersion: s.modelVersion)
            let env = Envelope(messageID: "\(handler.stage)/\(replica)", payload: .heartbeat(hb))
            if let frames = try? env.frames() { _ = try? control.trySend(frames) }
        }

        beat(force: true)
        logger.info("preparing", metadata: ["stage": "\(handler.stage)", "replica": "\(replica)"])
        try handler.prepare()

        let input = try ZMQSocket(context: context, kind: .pull)
        try input.set([.lingerMs(0), .receiveHighWaterMark(TransportDefaults.highWaterMarkMessages),
                       .receiveTimeoutMs(TransportDefaults.pollIntervalMs)])
        for e in endpoints.input { try input.bind(e) }
        defer { input.close() }
        logger.info("ready", metadata: ["stage": "\(handler.stage)", "replica": "\(replica)",
                                        "input": "\(endpoints.input.joined(separator: ","))"])
        beat(force: true)

        while !shutdown.isRequested {
            beat()
            guard let first = try input.receive() else { handler.idle(); continue }
            var batch: [Envelope] = []
            accept(first, into: &batch)
            while batch.count < handler.maxBatch, let more = try input.tryReceive() { accept(more, into: &batch) }
            if !batch.isEmpty { try deliver(handler.handle(batch), outputs: outputs) }
        }

        // Drain: handle what is already queued on our input, then stop.
        logger.info("draining", metadata: ["stage": "\(handler.stage)", "replica": "\(replica)"])
        var drained = 0
        let drainUntil = Date().addingTimeInterval(Double(TransportDefaults.drainTimeoutMs) / 1000)
        while Date() < drainUntil, let first = try input.tryReceive() {
            var batch: [Envelope] = []
            accept(first, into: &batch)
            while batch.count < handler.maxBatch, let more = try input.tryReceive() { accept(more, into: &batch) }
            drained += batch.count
            if !batch.isEmpty { try deliver(handler.handle(batch), outputs: outputs, draining: true) }
        }
        logger.info("stopped", metadata: ["stage": "\(handler.stage)", "replica": "\(replica)",
                                          "drained": "\(drained)", "rejected": "\(rejected)"])
        return 0
    }

    private func accept(_ frames: [Data], into batch: inout [Envelope]) {
        do { batch.append(try Envelope(frames: frames)) } catch {
            rejected += 1
            logger.warning("rejected message", metadata: ["stage": "\(handler.stage)", "reason": "\(error)"])
        }
    }

    /// Sends every output, retrying while the next stage is full or restarting (nothing is dropped), until
    /// shutdown; while draining, gives up after the drain timeout and logs what was lost.
    private func deliver(_ out: [StageOutput], outputs: [String: ZMQSocket], draining: Bool = false) throws {
        for o in out {
            guard let socket = outputs[o.port] else {
                preconditionFailure("stage \(handler.stage) sent to unknown output \(o.port); this is a bug")
            }
            let frames = try o.envelope.stamped(stage: handler.stage, replica: replica).frames()
            let giveUpAt = Date().addingTimeInterval(Double(TransportDefaults.drainTimeoutMs) / 1000)
            var warned = false
            while try !socket.send(frames) {
                if socket.kind == .pub { break }
                if (draining || shutdown.isRequested) && Date() > giveUpAt {
                    logger.error("could not deliver during shutdown", metadata: ["id": "\(o.envelope.messageID)", "output": "\(o.port)"])
                    break
                }
                if !warned {
                    logger.warning("next stage not accepting; holding", metadata: ["output": "\(o.port)"])
                    warned = true
                }
            }
        }
    }
}
