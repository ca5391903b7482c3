// CleanerStage: the cleaner process's logic: Email in, CleanedEmail out (see MailroomCleaner).
import Foundation
import Logging
import MailroomCleaner
import MailroomCore
import MailroomRuntime
import MailroomTransport

/// Where the cleaner sends what it cleaned.
public enum CleanerOutput: String, StagePort {
    /// Every classifier replica: bound for them to connect (`--push-bind`), or connected to each (`--push`).
    case classifier
}

/// Cleans each email and sends it on to the classifiers.
public final class CleanerStage: StageHandler {
    public let stage = "cleaner"
    public let maxBatch = 64
    private let cleaner: EmailCleaner
    private let logger: Logger

    public init(cleaner: EmailCleaner = EmailCleaner(), logger: Logger) {
        self.cleaner = cleaner; self.logger = logger
    }

    public func handle(_ batch: [Envelope]) -> [StageOutput<CleanerOutput>] {
        batch.compactMap { env in
            guard case .email(let email) = env.payload else {
                logger.warning("unexpected payload", metadata: ["stage": "cleaner", "type": "\(env.type)", "mail.id": "\(env.messageID)"])
                return nil
            }
            return StageOutput(.classifier, env.forwarding(.cleaned(cleaner.prepare(email))))
        }
    }
}
