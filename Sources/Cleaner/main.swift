// cleaner: strips HTML, quoted history, signatures and legal footers from each email.
// Sockets: PULL bind --pull (from the gateway); PUSH connect --push (every classifier replica);
// PUSH connect --control (gateway heartbeats).
import MailroomCleanerStage
import MailroomRuntime

await StageMain.run(stage: "cleaner", flags: ["push"], usage: "--pull ENDPOINT --push CLASSIFIER_ENDPOINTS") { options, logger in
    (CleanerStage(logger: logger), [.classifier: .push(options.list("push"))])
}
