// feedback-collector: records predictions and closed-case outcomes in SQLite (WAL), joined by email id.
// Sockets: PULL bind --pull (from the router and the gateway); PUB bind --acks (receipts for what was committed);
// PUSH connect --control (gateway heartbeats). HTTP (with --metrics-port N): GET /metrics (live quality and drift per
// model version, read through its own read-only store connection) and GET /healthz, on 127.0.0.1.
import MailroomFeedbackStage
import MailroomRuntime

await StageMain.run(stage: "feedback-collector", flags: ["database", "acks"] + QualityMetricsConfig.flags,
                    usage: "--pull ENDPOINT --database FILE.sqlite --acks PUB_ENDPOINT [--metrics-port N --registry DIR --quality-window 500]",
                    services: QualityMetricsServer.services) { options, logger in
    (FeedbackStage(databasePath: try options.required("database"), logger: logger),
     [.acks: .publish(options.list("acks"))])
}
