// mailroom predict: runs a model over a JSONL file of emails or dataset rows.
import ArgumentParser
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomModels
import MailroomTransformer

struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every line of a JSONL file: one {\"id\",\"model_version\",\"heads\"} line per input.")

    @Option(help: "Model directory.") var model: String
    @Option(help: "Input JSONL: emails or dataset rows (id, subject, body and/or body_html).") var input: String
    @Option(help: "Output JSONL file.") var output: String
    @Flag(help: "Add each head's raw logits.") var logits = false
    @Option(help: "Add each head's N strongest evidence items (linear: the word n-grams and fields that raised the label's logit most; transformer: the words of largest attention-rollout share; hybrid: both, from the parts its blend uses; at most 20). They quote the email: keep the output as you keep the emails.")
    var evidence: Int = 0
    @Flag(help: "Classify the raw body instead of the cleaned text.") var noClean = false
    @Option(help: "Emails per model call.") var batchSize: Int = 32
    @Option(help: "Compute threads (transformer models).") var threads: Int = 2
    @Option(help: "What a transformer's Linear layers run at: fp32, int8 or bf16 (default: as the checkpoint says). Each prediction records it.")
    var precision: Precision?

    func run() throws {
        guard (0...20).contains(evidence) else { throw CLIError("--evidence \(evidence): expected 0 (off) to 20 items per head") }
        let classifier = try ModelLoader.load(directory: model, threads: threads, precision: precision)
        if let t = (classifier as? CalibratedClassifier)?.base as? TransformerClassifier ?? classifier as? TransformerClassifier {
            note("predict: \(t.encoder.quantization.summary)")
        }
        let emails = try JSONL.read(Email.self, from: input)
        let cleaner = EmailCleaner()
        let bar = ProgressReporter(label: "predict", total: emails.count, unit: "emails")
        var out: [Prediction] = []
        out.reserveCapacity(emails.count)
        for start in stride(from: 0, to: emails.count, by: max(1, batchSize)) {
            let batch = Array(emails[start..<min(start + batchSize, emails.count)])
            let inputs = batch.map { e in
                noClean ? ModelInput(text: modelText(subject: e.subject, body: e.body ?? e.bodyHTML ?? ""), language: e.language,
                                     custodianBank: e.custodianBank)
                        : cleaner.prepare(e).input
            }
            let results = try classifier.classify(inputs: inputs)
            for ((e, input), r) in zip(zip(batch, inputs), results) {
                out.append(classifier.prediction(id: e.id, input: input, output: r, includeLogits: logits, evidence: evidence))
            }
            bar.update(out.count)
        }
        bar.finish()
        try JSONL.write(out, to: output)
        note("\(out.count) predictions by \(classifier.version) written to \(output)")
    }
}
