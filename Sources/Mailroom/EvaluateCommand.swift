// mailroom evaluate: scores a model on labelled rows and writes metrics.json, report.md and report.html.
import ArgumentParser
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomEvaluation
import MailroomModels
import MailroomTransformer

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a model on a dataset JSONL file (all rows, or only --split).")

    @Option(help: "Model directory.") var model: String
    @Option(help: "Dataset JSONL file with labels.") var data: String
    @Option(help: "Report directory (metrics.json, report.md, report.html).") var report: String
    @Option(help: "Only rows of this split (train or validation); default: every row.") var split: String?
    @Flag(help: "Evaluate on the raw body instead of the cleaned text.") var noClean = false
    @Option(help: "Compute threads (transformer models).") var threads: Int = 2
    @Flag(help: "Score the model's raw softmax confidences, ignoring its calibration.json (to see what calibration changes).")
    var uncalibrated = false
    @Option(help: "What a transformer's Linear layers run at: fp32, int8 or bf16 (default: as the checkpoint says), to compare the quality of each.")
    var precision: Precision?

    func run() throws {
        let classifier = try ModelLoader.load(directory: model, threads: threads, calibrated: !uncalibrated, precision: precision)
        var rows = try JSONL.read(DatasetRow.self, from: data)
        if let split { rows = rows.filter { ($0.split ?? "train") == split } }
        guard !rows.isEmpty else { throw CLIError("no rows in \(data)\(split.map { " with split \($0)" } ?? "")") }
        if !noClean {
            let cleaner = EmailCleaner()
            rows = rows.map { cleaner.prepare($0) }
        }
        note("evaluate: \(rows.count) rows with \(classifier.kind) model \(classifier.version)" + (classifier.precision.map { " at \($0)" } ?? ""))
        let result = try Evaluator.evaluate(classifier: classifier, rows: rows, batchSize: 64)
        try result.write(to: report)
        print(result.summaryTable())
        for head in result.heads { if let c = head.confidence { note("\(head.name): \(c.summaryLine)") } }
        note("report: \(report)/report.md, \(report)/report.html, \(report)/metrics.json")
    }
}
