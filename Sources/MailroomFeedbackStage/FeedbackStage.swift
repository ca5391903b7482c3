// FeedbackStage: the feedback-collector process's logic: stores every routed prediction and every closed-case
// outcome in SQLite (WAL), one transaction per batch, then publishes a receipt (an `ack`) to the stage that sent
// them, which keeps its copy until then: a collector killed mid-batch loses nothing, the sender offers it again.
import Foundation
import Logging
import MailroomCore
import MailroomRuntime
import MailroomStore
import MailroomTransport

/// Where the feedback-collector sends.
public enum FeedbackOutput: String, StagePort {
    /// Receipts for committed ids (`--acks`, PUB bound; topic `acks.<stage>.<replica>` of the sender).
    case acks
}

public final class FeedbackStage: StageHandler {
    public let stage = "feedback-collector"
    public let maxBatch = 256
    private let databasePath: String
    private let logger: Logger
    private var store: FeedbackStore?
    /// Set by a failed commit, cleared by the next good one: heartbeats then say not ready.
    private var writeFailed = false
    private var receipts: Int64 = 0

    public init(databasePath: String, logger: Logger) { self.databasePath = databasePath; self.logger = logger }

    public func prepare() throws { store = try FeedbackStore(path: databasePath) }

    public var readiness: StageReadiness { StageReadiness(ready: store != nil && !writeFailed) }

    public func handle(_ batch: [Envelope]) -> [StageOutput<FeedbackOutput>] {
        guard let store else { preconditionFailure("feedback stage used before prepare(); this is a bug") }
        var committed: [String: [String]] = [:]  // receipt topic → ids
        do {
            try store.inTransaction {
                for env in batch {
                    do {
                        switch env.payload {
                        case .routed(let r):
                            try store.record(email: r.email, assignment: r.assignment)
                            if let shadow = r.shadow { try store.record(shadow: shadow) }
                        case .outcome(let o): try store.record(o)
                        default:
                            logger.warning("unexpected payload", metadata: ["type": "\(env.type)", "mail.id": "\(env.messageID.debugDescription)"])
                            continue
                        }
                    } catch let error as StoreError {
                        // A record that can never be stored is acknowledged too: offering it again cannot help.
                        guard case .invalidInput = error else { throw error }
                        logger.error("rejected a record", metadata: ["mail.id": "\(env.messageID.debugDescription)", "error": "\(error)"])
                    }
                    if let topic = Self.receiptTopic(of: env) { committed[topic, default: []].append(env.messageID) }
                }
            }
        } catch {
            if !writeFailed {
                logger.error("could not store a batch; its senders will offer it again",
                             metadata: ["count": "\(batch.count)", "error": "\(error)"])
            }
            writeFailed = true
            return []
        }
        writeFailed = false
        return committed.sorted { $0.key < $1.key }.map { topic, ids in
            receipts += 1
            return StageOutput(.acks, Envelope(messageID: topic, payload: .ack(Ack(ids: ids))),
                               prefix: Publication(topic: topic, sequence: receipts).frames)
        }
    }

    /// `acks.<stage>.<replica>` of the last stage that stamped the envelope (the one that holds the copy).
    static func receiptTopic(of envelope: Envelope) -> String? {
        envelope.stamps.last.map { "acks.\($0.stage).\($0.replica)" }
    }
}
