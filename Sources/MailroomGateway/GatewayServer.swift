// GatewayServer: wires the gateway process: ZeroMQ senders/receivers, the Dispatcher and the Hummingbird app,
// run as one ServiceGroup with graceful shutdown on SIGTERM/SIGINT.
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import MailroomCore
import MailroomRuntime
import MailroomTransport
import ServiceLifecycle

/// The gateway's configuration, parsed once in `main`.
public struct GatewayConfig: Sendable {
    public var host = "127.0.0.1"
    /// Replica 0's HTTP port; replica N listens on `port + N` (one load balancer address in front of them all),
    /// unless ``replicaPortOffset`` is off (each replica has an address of its own: a Kubernetes pod).
    public var port = 8080
    /// Whether replica N adds N to ``port`` (`--replica-port-offset`, default true: replicas share one machine).
    public var replicaPortOffset = true
    /// The port this replica listens on.
    public var listenPort: Int { replicaPortOffset ? port + replica : port }
    /// This gateway's replica number: its stamp on every envelope, so results and receipts come back to it.
    public var replica = 0
    /// Cleaner replicas' input endpoints (PUSH connects to all: round-robin).
    public var cleaners: [String] = []
    /// Feedback-collector input endpoints (outcomes).
    public var feedback: [String] = []
    /// Feedback-collector acks endpoints (SUB): an outcome stays journaled until a collector acknowledges it.
    public var receipts: [String] = []
    /// Bound PULL endpoint for routed results.
    public var results: [String] = []
    /// Bound PULL endpoint for stage heartbeats.
    public var control: [String] = []
    /// The intake journal (a SQLite file, or a `postgres://` URL shared by the replicas): every accepted email and
    /// outcome is on disk before the client hears 200/202.
    public var journal = ""
    public var limits = DispatcherLimits()
    /// The API keys file (`mailroom api-key new`); empty: no authentication (the gateway warns at start).
    public var apiKeys = ""
    /// Whether GET /metrics is open (no key with the `metrics` scope needed).
    public var metricsOpen = false
    /// Seconds a connection may sit without a complete request head or between requests before it is closed
    /// (the header and the keep-alive idle timeout).
    public var idleTimeoutSeconds = 30
    /// Most open HTTP connections; past it new ones wait in the accept backlog.
    public var maxConnections = 512

    public init() {}

    public static let flags = ["host", "port", "cleaners", "feedback", "receipts", "results", "control", "journal", "max-batch",
                               "max-in-flight", "sync-timeout", "log-level", "api-keys", "metrics-open", "idle-timeout",
                               "max-connections", "replica", "replica-port-offset"]

    public init(options: StageOptions) throws {
        host = options.string("host", default: host)
        port = try options.int("port", default: port)
        replica = try options.int("replica", default: 0)
        replicaPortOffset = try options.bool("replica-port-offset", default: true)
        guard replica >= 0, listenPort <= 65535 else {
            throw OptionsError.invalid(flag: "replica", value: "\(replica)", expected: "0 or more, with --port + replica at most 65535")
        }
        cleaners = options.list("cleaners")
        feedback = options.list("feedback")
        receipts = options.list("receipts")
        results = options.list("results")
        control = options.list("control")
        journal = try options.required("journal")
        limits.maxBatch = try options.int("max-batch", default: limits.maxBatch)
        limits.maxInFlight = try options.int("max-in-flight", default: limits.maxInFlight)
        limits.syncTimeoutSeconds = try options.double("sync-timeout", default: limits.syncTimeoutSeconds)
        apiKeys = options.string("api-keys", default: "")
        metricsOpen = try options.bool("metrics-open", default: false)
        idleTimeoutSeconds = try options.int("idle-timeout", default: idleTimeoutSeconds)
        maxConnections = try options.int("max-connections", default: maxConnections)
        for (flag, v) in [("cleaners", cleaners), ("results", results), ("control", control)] where v.isEmpty {
            throw OptionsError.missingRequired(flag)
        }
    }
}

/// Sends emails to the cleaners and outcomes to the feedback-collector over ZeroMQ.
struct ZMQPipelinePort: PipelinePort {
    let emails: EnvelopeSender
    let outcomes: EnvelopeSender
    /// The gateway replica that stamps what it sends.
    let replica: Int

    func sendEmail(_ email: Email, traceID: String) throws { try sendEmail(email, traceID: traceID, attempt: 1) }

    func sendEmail(_ email: Email, traceID: String, attempt: Int) throws {
        var envelope = Envelope(messageID: email.id, traceID: traceID, payload: .email(email))
        envelope.attempt = attempt
        try send(envelope, on: emails)
    }

    var emailBacklog: Int { emails.pendingCount }

    func sendOutcome(_ outcome: Outcome) throws {
        try send(Envelope(messageID: outcome.id, payload: .outcome(outcome)), on: outcomes)
    }

    /// Enqueues without waiting; a full queue is the client's 429 (``GatewayError/pipelineFull(capacity:)``).
    private func send(_ envelope: Envelope, on sender: EnvelopeSender) throws {
        do { try sender.trySend(envelope.stamped(stage: "gateway", replica: replica)) } catch TransportError.overloaded(let capacity) {
            throw GatewayError.pipelineFull(capacity: capacity)
        }
    }
}

/// Feeds routed results and heartbeats from ZeroMQ into the dispatcher, until cancelled.
struct ReceiverService: Service {
    let results: EnvelopeReceiver
    let control: EnvelopeReceiver
    /// The feedback-collectors' receipts for this gateway's outcomes (SUB), when configured.
    let receipts: EnvelopeReceiver?
    /// `acks.gateway.<replica>`: the receipts for this replica's outcomes.
    let receiptTopic: String
    let dispatcher: Dispatcher
    let logger: Logger

    func run() async throws {
        await dispatcher.start()
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await env in results.envelopes {
                    if case .routed(let r) = env.payload { await dispatcher.deliver(r.assignment) }
                }
            }
            group.addTask {
                for await env in control.envelopes {
                    switch env.payload {
                    case .heartbeat(let h):
                        await dispatcher.heartbeat(HeartbeatInfo(stage: h.stage, replica: h.replica, ready: h.ready,
                                                                   modelVersion: h.modelVersion, heads: h.heads,
                                                                   shadowVersion: h.shadowVersion, figures: h.figures ?? [:]))
                    case .failure(let f):
                        await dispatcher.stageFailed(StageFailureInfo(id: f.id, stage: f.stage, reason: f.reason))
                    default: continue
                    }
                }
            }
            if let receipts {
                group.addTask {
                    for await env in receipts.envelopes {
                        guard env.publication?.topic == receiptTopic, case .ack(let ack) = env.payload else { continue }
                        await dispatcher.acknowledgeOutcomes(ack.ids)
                    }
                }
            }
            group.addTask {
                try? await gracefulShutdown()
                results.stop()
                control.stop()
                receipts?.stop()
            }
        }
        await dispatcher.stop()
        logger.info("gateway receivers stopped")
    }
}

public enum GatewayServer {
    /// The topic of the collectors' receipts for outcomes a gateway replica sent (as its stamp says).
    static func receiptTopic(replica: Int) -> String { "acks.gateway.\(replica)" }

    /// Runs the gateway until SIGTERM/SIGINT.
    public static func run(config: GatewayConfig, logger: Logger) async throws {
        let context = try ZMQContext()
        let emails = try EnvelopeSender(context: context, endpoints: Endpoints(connect: config.cleaners), logger: logger)
        let outcomes = try EnvelopeSender(context: context, endpoints: Endpoints(connect: config.feedback), logger: logger)
        let results = try EnvelopeReceiver(context: context, endpoints: Endpoints(bind: config.results), logger: logger)
        let control = try EnvelopeReceiver(context: context, endpoints: Endpoints(bind: config.control), logger: logger)
        let receipts = try config.receipts.isEmpty ? nil : EnvelopeReceiver(
            context: context, kind: .subscribe(prefixes: [Data(receiptTopic(replica: config.replica).utf8)]),
            endpoints: Endpoints(connect: config.receipts), logger: logger)
        let dispatcher = try Dispatcher(port: ZMQPipelinePort(emails: emails, outcomes: outcomes, replica: config.replica), journalPath: config.journal,
                                        journalOwner: "gateway-\(config.replica)",
                                        limits: config.limits, outcomeReceipts: receipts != nil)
        var policy = EdgePolicy(keys: config.apiKeys.isEmpty ? nil : try APIKeyRing(path: config.apiKeys))
        policy.protectMetrics = !config.metricsOpen
        if policy.keys == nil { logger.warning("authentication is off: start the gateway with --api-keys FILE (see `mailroom api-key`)") }
        let router = buildGatewayRouter(dispatcher: dispatcher, policy: policy)
        let app = Application(router: router,
                              server: .http1(configuration: .init(idleTimeout: .seconds(Int64(config.idleTimeoutSeconds)))),
                              configuration: .init(address: .hostname(config.host, port: config.listenPort), serverName: "mailroom-gateway",
                                                   availableConnectionsDelegate: MaximumAvailableConnections(config.maxConnections)),
                              services: [ReceiverService(results: results, control: control, receipts: receipts,
                                                         receiptTopic: receiptTopic(replica: config.replica), dispatcher: dispatcher, logger: logger)],
                              logger: logger)
        do { try await app.runService() } catch let error where "\(error)".contains("bind(") {
            throw ListenerError(what: "the gateway's API", host: config.host, port: config.listenPort, flag: "--port", reason: "\(error)")
        }
        emails.close()
        outcomes.close()
        context.terminate()
    }
}
