// FeedbackStage: the feedback-collector process's logic: stores every routed prediction and every closed-case
// outcome in SQLite (WAL), joined later by email id for reports and retraining exports.
import Foundation
import Logging
import MailroomCore
import MailroomRuntime
import MailroomStore
import MailroomTransport

public final class FeedbackStage: StageHandler {
    public let stage = "feedback-collector"
    public let maxBatch = 256
    private let databasePath: String
    private let logger: Logger
    private var store: FeedbackStore?

    public init(databasePath: String, logger: Logger) { self.databasePath = databasePath; self.logger = logger }

    public func prepare() throws { store = try FeedbackStore(path: databasePath) }

    public func handle(_ batch: [Envelope]) -> [StageOutput<NoOutputs>] {
        guard let store else { preconditionFailure("feedback stage used before prepare(); this is a bug") }
        for env in batch {
            do {
                switch env.payload {
                case .routed(let r): try store.record(email: r.email, assignment: r.assignment)
                case .outcome(let o): try store.record(o)
                default:
                    logger.warning("unexpected payload", metadata: ["stage": "feedback-collector", "type": "\(env.type)", "mail.id": "\(env.messageID)"])
                }
            } catch {
                logger.error("could not store", metadata: ["mail.id": "\(env.messageID)", "error": "\(error)"])
            }
        }
        return []
    }
}
