// RouterStage: the router process's logic: prediction → assignment by the rules file; results go back to the
// gateway, to subscribers (PUB) and to the feedback-collector.
import Foundation
import Logging
import MailroomCore
import MailroomRuntime
import MailroomTransport

/// Where the router sends each assignment.
public enum RouterOutput: String, StagePort {
    /// The gateways, which answer the waiting requests (`--results`; without the email's text).
    case results
    /// Subscribers such as the CRM connector (`--publish`, PUB; without the email's text).
    case assignments = "publish"
    /// The feedback-collector, which stores the prediction with the email (`--feedback`).
    case feedback
}

public final class RouterStage: StageHandler {
    public let stage = "router"
    public let maxBatch = 64
    private let rules: RouterRules
    private let logger: Logger

    public init(rules: RouterRules, logger: Logger) { self.rules = rules; self.logger = logger }

    public func handle(_ batch: [Envelope]) -> [StageOutput<RouterOutput>] {
        var out: [StageOutput<RouterOutput>] = []
        for env in batch {
            guard case .classified(let c) = env.payload else {
                logger.warning("unexpected payload", metadata: ["stage": "router", "type": "\(env.type)", "mail.id": "\(env.messageID)"])
                continue
            }
            let assignment = rules.assign(c.prediction)
            let routed = Routed(email: c.email, assignment: assignment)
            // Subscribers and the gateway get the assignment without the email's text.
            var bare = c.email
            bare.text = ""; bare.subject = ""
            let public_ = env.forwarding(.routed(Routed(email: bare, assignment: assignment)))
            out.append(StageOutput(.results, public_))
            out.append(StageOutput(.assignments, public_))
            out.append(StageOutput(.feedback, env.forwarding(.routed(routed))))
        }
        return out
    }
}
