// feedback-collector: records predictions and closed-case outcomes in SQLite (WAL), joined by email id.
// Sockets: PULL bind --pull (from the router and the gateway); PUB bind --acks (receipts for what was committed);
// PUSH connect --control (gateway heartbeats).
import MailroomFeedbackStage
import MailroomRuntime

await StageMain.run(stage: "feedback-collector", flags: ["database", "acks"],
                    usage: "--pull ENDPOINT --database FILE.sqlite --acks PUB_ENDPOINT") { options, logger in
    (FeedbackStage(databasePath: try options.required("database"), logger: logger),
     [.acks: .publish(options.list("acks"))])
}
