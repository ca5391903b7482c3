// RouterStage: the router process's logic: prediction → assignment by the rules file; results go back to the
// gateway (`results`), to subscribers (`assignments`, PUB) and to the feedback-collector (`feedback`).
import Foundation
import Logging
import MailroomCore
import MailroomTransport

public final class RouterStage: StageHandler {
    public let stage = "router"
    public let maxBatch = 64
    private let rules: RouterRules
    private let logger: Logger

    public init(rules: RouterRules, logger: Logger) { self.rules = rules; self.logger = logger }

    public func handle(_ batch: [Envelope]) -> [StageOutput] {
        var out: [StageOutput] = []
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
            out.append(StageOutput(port: "results", envelope: public_))
            out.append(StageOutput(port: "assignments", envelope: public_))
            out.append(StageOutput(port: "feedback", envelope: env.forwarding(.routed(routed))))
        }
        return out
    }
}
