// cleaner: strips HTML, quoted history, signatures and legal footers from each email.
// Sockets: PULL bind --pull (from the gateway); PUSH connect --push (every classifier replica);
// PUSH connect --control (gateway heartbeats).
import MailroomCleaner
import MailroomPipeline

StageMain.run(stage: "cleaner", flags: ["push"], usage: "--pull ENDPOINT --push CLASSIFIER_ENDPOINTS") { options, logger in
    (CleanerStage(logger: logger), ["classifier": StageOutputSpec(kind: .push, endpoints: options.list("push"))])
}
