// router: turns predictions into queue assignments.
// Sockets: PULL bind --pull (from classifiers); PUSH connect --results (gateway); PUB bind --publish
// (assignments, for the CRM connector); PUSH connect --feedback (feedback-collector); PUSH connect --control.
import MailroomRouterStage
import MailroomRuntime

await StageMain.run(stage: "router", flags: ["results", "publish", "feedback", "rules"],
                    usage: "--pull ENDPOINT --results GATEWAY --publish PUB_ENDPOINT --feedback COLLECTOR --rules FILE") { options, logger in
    let rules = try RouterRules.load(path: try options.required("rules"))
    return (RouterStage(rules: rules, logger: logger), [
        .results: .push(options.list("results")),
        .assignments: .publish(options.list("publish")),
        .feedback: .push(options.list("feedback")),
    ])
}
