// router: turns predictions into queue assignments, recorded in its outbox before they leave.
// Sockets: PULL bind --pull (from classifiers); PUSH connect --results (one per gateway replica, each result to
// the replica that sent the email); PUB bind --publish
// (assignments, for the CRM connector); REP bind --snapshot (what a subscriber missed); PUSH connect --feedback
// (feedback-collector, never waited for); SUB connect --receipts (the collectors' acks); PUSH connect --control.
// With --curve DIR the PUB and REP sockets are CURVE servers that admit only the client keys in DIR/clients.
import MailroomRouterStage
import MailroomRuntime
import MailroomTransport

await StageMain.run(stage: "router", flags: ["results", "publish", "snapshot", "feedback", "rules", "outbox", "receipts", "curve"],
                    usage: "--pull ENDPOINT --results GATEWAY --publish PUB_ENDPOINT [--snapshot REP_ENDPOINT] --feedback COLLECTOR [--receipts COLLECTOR_ACKS] --rules FILE --outbox FILE [--curve DIR]") { options, logger in
    let rules = try RouterRules.load(path: try options.required("rules"))
    // CURVE on the PUB and snapshot sockets: only the client keys in DIR/clients may subscribe (`mailroom curve`).
    // (No nested closure here: in top-level code it would be main-actor isolated and trap off the main thread.)
    var curve: CurveRole?
    if let dir = options.list("curve").first {
        let directory = CurveDirectory(path: dir)
        curve = .server(secretKey: try directory.serverKeys(create: true).secretKey, clients: directory)
    }
    let stage = RouterStage(rules: rules, outboxPath: try options.required("outbox"),
                            snapshotEndpoint: options.list("snapshot").first,
                            receiptEndpoints: options.list("receipts"),
                            replica: try options.int("replica", default: 0), snapshotCurve: curve, logger: logger)
    return (stage, [
        .results: .pushToOrigin(options.list("results"), stage: "gateway"),
        .assignments: .publish(options.list("publish"), curve: curve),
        .feedback: .push(options.list("feedback"), whenFull: .handBack),
    ])
}
