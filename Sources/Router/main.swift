// router: turns predictions into queue assignments, recorded in its outbox before they leave.
// Sockets: PULL bind --pull (from classifiers); PUSH connect --results (one per gateway replica, each result to
// the replica that sent the email); PUB bind --publish
// (assignments, for the CRM connector); REP bind --snapshot (what a subscriber missed); PUSH connect --feedback
// (feedback-collector, never waited for); SUB connect --receipts (the collectors' acks); PUSH connect --control.
import MailroomRouterStage
import MailroomRuntime

await StageMain.run(stage: "router", flags: ["results", "publish", "snapshot", "feedback", "rules", "outbox", "receipts"],
                    usage: "--pull ENDPOINT --results GATEWAY --publish PUB_ENDPOINT [--snapshot REP_ENDPOINT] --feedback COLLECTOR [--receipts COLLECTOR_ACKS] --rules FILE --outbox FILE") { options, logger in
    let rules = try RouterRules.load(path: try options.required("rules"))
    let stage = RouterStage(rules: rules, outboxPath: try options.required("outbox"),
                            snapshotEndpoint: options.list("snapshot").first,
                            receiptEndpoints: options.list("receipts"),
                            replica: try options.int("replica", default: 0), logger: logger)
    return (stage, [
        .results: .pushToOrigin(options.list("results"), stage: "gateway"),
        .assignments: .publish(options.list("publish")),
        .feedback: .push(options.list("feedback"), whenFull: .handBack),
    ])
}
