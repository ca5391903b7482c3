// router: turns predictions into queue assignments.
// Sockets: PULL bind --pull (from classifiers); PUSH connect --results (gateway); PUB bind --publish
// (assignments, for the CRM connector); PUSH connect --feedback (feedback-collector); PUSH connect --control.
import MailroomPipeline

StageMain.run(stage: "router", flags: ["results", "publish", "feedback", "rules"],
              usage: "--pull ENDPOINT --results GATEWAY --publish PUB_ENDPOINT --feedback COLLECTOR --rules FILE") { options, logger in
    let rules = try RouterRules.load(path: try options.required("rules"))
    return (RouterStage(rules: rules, logger: logger), [
        "results": StageOutputSpec(kind: .push, endpoints: options.list("results")),
        "assignments": StageOutputSpec(kind: .publish, endpoints: options.list("publish")),
        "feedback": StageOutputSpec(kind: .push, endpoints: options.list("feedback")),
    ])
}
