// cleaner: strips HTML, quoted history, signatures and legal footers from each email.
// Sockets: PULL bind --pull (from the gateway); PUSH to the classifiers, either bound on --push-bind ENDPOINT (the
// classifier replicas connect with --pull-from and take round-robin: they need no stable address) or connected to
// every classifier's endpoint in --push ENDPOINTS; PUSH connect --control (gateway heartbeats).
import MailroomCleanerStage
import MailroomRuntime

await StageMain.run(stage: "cleaner", flags: ["push", "push-bind"],
                    usage: "--pull ENDPOINT (--push-bind ENDPOINT | --push CLASSIFIER_ENDPOINTS)") { options, logger in
    (CleanerStage(logger: logger), [.classifier: try .push(flag: "push", options: options)])
}
