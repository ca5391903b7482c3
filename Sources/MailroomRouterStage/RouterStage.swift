// RouterStage: the router process's logic: prediction → assignment by the rules file, recorded in the outbox before
// anything leaves; results go back to the gateway, each new assignment is published once with its sequence number,
// and the copy for the feedback-collector is spooled in the outbox and handed on without ever waiting for it.
import Foundation
import Logging
import MailroomCore
import MailroomRuntime
import MailroomStore
import MailroomTransport

/// Where the router sends each assignment.
public enum RouterOutput: String, StagePort {
    /// The gateways, which answer the waiting requests (`--results`; without the email's text).
    case results
    /// Subscribers such as the CRM connector (`--publish`, PUB; without the email's text). Four frames:
    /// topic, sequence number (decimal), envelope header, envelope payload.
    case assignments = "publish"
    /// The feedback-collector, which stores the prediction with the email (`--feedback`; hand-back: never waited for).
    case feedback
}

public final class RouterStage: StageHandler {
    public let stage = "router"
    public let maxBatch = 64
    /// Most spooled feedback copies offered again per idle call.
    static let catchUpBatch = 256
    /// A feedback copy handed on but not acknowledged within this long is offered again (the collector may have
    /// died holding it; it stores by id, so a second copy is harmless).
    static let receiptDeadlineSeconds = 10.0
    private let rules: RouterRules
    private let outboxPath: String
    /// This replica's stream in a shared outbox: `router-<replica>`.
    private let owner: String
    private let snapshotEndpoint: String?
    /// CURVE for the snapshot socket (the same keys as the PUB socket).
    private let snapshotCurve: CurveRole?
    private let receiptEndpoints: [String]
    /// The PUB topic of this replica's stream: `assignments.<replica>`.
    public let topic: String
    /// The topic of the collectors' receipts for this replica: `acks.router.<replica>`.
    public let receiptTopic: String
    private let logger: Logger
    private var outbox: RouterOutbox?
    private var snapshots: SnapshotServer?
    private var receipts: ReceiptInbox?
    /// Feedback copies handed on and not yet acknowledged: id → when.
    private var offered: [String: Double] = [:]
    private var idleCalls = 0
    private var storeFailed = false

    /// - Parameters:
    ///   - outboxPath: the router's SQLite outbox (created if missing), or a `postgres://` URL (every replica's
    ///     stream in one table, this one's as `router-<replica>`).
    ///   - snapshotEndpoint: where subscribers ask for what they missed (REP); nil serves none.
    ///   - receiptEndpoints: the feedback-collectors' acks sockets (SUB). Without any, a copy counts as done once
    ///     libzmq took it (a collector crash can then lose what it held).
    public init(rules: RouterRules, outboxPath: String, snapshotEndpoint: String?, receiptEndpoints: [String],
                replica: Int, snapshotCurve: CurveRole? = nil, logger: Logger) {
        self.rules = rules; self.outboxPath = outboxPath; self.snapshotEndpoint = snapshotEndpoint
        self.snapshotCurve = snapshotCurve
        self.receiptEndpoints = receiptEndpoints
        topic = "assignments.\(replica)"
        receiptTopic = "acks.router.\(replica)"
        owner = "router-\(replica)"
        self.logger = logger
    }

    deinit {
        snapshots?.stop()
        receipts?.stop()
    }

    public func prepare() throws {
        let outbox = try RouterOutbox(path: outboxPath, owner: owner)
        self.outbox = outbox
        if let snapshotEndpoint {
            snapshots = try SnapshotServer(endpoint: snapshotEndpoint, outboxPath: outboxPath, owner: owner, topic: topic,
                                           curve: snapshotCurve, logger: logger)
        }
        if !receiptEndpoints.isEmpty {
            receipts = try ReceiptInbox(endpoints: receiptEndpoints, topic: receiptTopic, logger: logger)
        }
        let backlog = try outbox.feedbackBacklog()
        if backlog > 0 { logger.info("feedback spool to catch up", metadata: ["count": "\(backlog)"]) }
    }

    /// Not ready while the outbox cannot be written: the gateway then holds (and later re-sends) its emails.
    public var readiness: StageReadiness { StageReadiness(ready: outbox != nil && !storeFailed) }

    public func handle(_ batch: [Envelope]) -> [StageOutput<RouterOutput>] {
        guard let outbox else { preconditionFailure("router used before prepare(); this is a bug") }
        var envelopes: [Envelope] = [], routed: [(email: CleanedEmail, assignment: Assignment, shadow: Prediction?)] = []
        for env in batch {
            guard case .classified(let c) = env.payload else {
                logger.warning("unexpected payload", metadata: ["stage": "router", "type": "\(env.type)", "mail.id": "\(env.messageID.debugDescription)"])
                continue
            }
            envelopes.append(env)
            routed.append((c.email, rules.assign(c.prediction), c.shadow))  // the champion alone decides
        }
        let decisions: [OutboxDecision]
        do {
            decisions = try outbox.record(routed)
            storeFailed = false
        } catch {
            // Nothing leaves unrecorded: the gateway re-sends these emails when their attempt's deadline passes.
            storeFailed = true
            logger.error("could not record assignments; holding them back", metadata: ["count": "\(routed.count)", "error": "\(error)"])
            return []
        }
        var out: [StageOutput<RouterOutput>] = []
        for (env, decision) in zip(envelopes, decisions) {
            let record = decision.record
            // The gateway always gets the (first) assignment back: it re-sent because it had no result.
            let bare = env.forwarding(.routed(Routed(email: CleanedEmail(id: record.assignment.id, subject: "", text: "",
                                                                         language: record.email.language,
                                                                         custodianBank: record.email.custodianBank),
                                                     assignment: record.assignment)))
            out.append(StageOutput(.results, bare))
            guard !decision.duplicate else { continue }
            out.append(StageOutput(.assignments, bare, prefix: Publication(topic: topic, sequence: record.sequence).frames))
            offered[record.assignment.id] = .infinity  // on its way; settled() sets the time
            out.append(StageOutput(.feedback, env.forwarding(.routed(Routed(email: record.email, assignment: record.assignment,
                                                                            shadow: record.shadow)))))
        }
        return out
    }

    public func settled(delivered: [StageOutput<RouterOutput>], undelivered: [StageOutput<RouterOutput>]) {
        let t = Date().timeIntervalSince1970
        var handedOn: [String] = []
        for o in delivered where o.port == .feedback {
            if receipts == nil { handedOn.append(o.envelope.messageID) } else { offered[o.envelope.messageID] = t }
        }
        // Handed back (the collector is slow, stopped or gone): offered again from the spool by idle().
        for o in undelivered where o.port == .feedback { offered[o.envelope.messageID] = nil }
        if !handedOn.isEmpty { acknowledge(handedOn) }
    }

    /// Takes the collectors' receipts; about once a second offers again what was never handed on or not
    /// acknowledged in time (after the collector was slow, stopped, down, or this router restarted).
    public func idle() -> [StageOutput<RouterOutput>] {
        guard let outbox else { return [] }
        if let receipts {
            let acked = receipts.take()
            if !acked.isEmpty { acknowledge(acked) }
        }
        idleCalls += 1
        guard idleCalls % 10 == 0 else { return [] }
        let t = Date().timeIntervalSince1970
        let records: [OutboxRecord]
        do { records = try outbox.unsentFeedback(limit: Self.catchUpBatch + offered.count) } catch {
            logger.warning("could not read the feedback spool", metadata: ["error": "\(error)"])
            return []
        }
        let due = records.filter { record in
            guard let at = offered[record.assignment.id] else { return true }
            return at.isFinite && t - at >= Self.receiptDeadlineSeconds
        }.prefix(Self.catchUpBatch)
        return due.map { record in
            offered[record.assignment.id] = .infinity
            return StageOutput(.feedback, Envelope(messageID: record.assignment.id,
                                                   payload: .routed(Routed(email: record.email, assignment: record.assignment,
                                                                           shadow: record.shadow))))
        }
    }

    private func acknowledge(_ ids: [String]) {
        guard let outbox else { return }
        do { try outbox.markFeedbackAcknowledged(ids) } catch {
            // They stay spooled and are offered again: the collector stores by id, so a second copy is harmless.
            logger.warning("could not mark feedback acknowledged", metadata: ["error": "\(error)"])
            return
        }
        for id in ids { offered[id] = nil }
    }
}
