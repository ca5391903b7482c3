// mailroom train: trains a model directory from a dataset JSONL file and writes its validation report.
import ArgumentParser
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomEvaluation
import MailroomLinear
import MailroomPipeline
import MailroomRegistry

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset JSONL file (rows with split \"validation\" are held out for validation).")

    @Option(help: "Dataset JSONL file (see ../shared/datasets/README.md for the format).") var data: String
    @Option(help: "Output model directory (created; an existing model there is replaced).") var out: String
    @Option(help: "Model kind: linear.") var kind: String = "linear"
    @Option(name: .customLong("model-version"), help: "Version string recorded in every prediction (default: kind + UTC time).")
    var modelVersion: String?
    @Option(help: "Training epochs (for the default L-BFGS optimiser: the most iterations per head).") var epochs: Int?
    @Option(help: "Random seed (training is deterministic for a seed).") var seed: UInt64 = 0
    @Option(help: "Class weighting: balanced or none.") var classWeighting: String = "balanced"
    @Flag(help: "Train on the raw body instead of the cleaned text the pipeline serves.") var noClean = false

    func run() throws {
        let startedAt = ISO8601DateFormatter().string(from: Date())
        var rows = try JSONL.read(DatasetRow.self, from: data)
        if !noClean {
            let cleaner = EmailCleaner()
            rows = rows.map { cleaner.prepare($0) }
        }
        let train = rows.filter { !$0.isValidation }, validation = rows.filter(\.isValidation)
        note("train: \(train.count) training rows, \(validation.count) validation rows from \(data)\(noClean ? "" : " (cleaned)")")
        let version = modelVersion ?? "\(kind)-\(Self.timestamp())"
        guard kind == "linear" else {
            throw CLIError("--kind \(kind): only `linear` trains here so far; a transformer checkpoint is made with `mailroom checkpoint` (fine-tuning is tracked in its own issue)")
        }
        var options = LinearTrainingOptions()
        options.seed = seed
        if let epochs { options.epochs = epochs }
        guard let weighting = ClassWeighting(rawValue: classWeighting) else {
            throw CLIError("--class-weighting \(classWeighting): expected balanced or none")
        }
        options.classWeighting = weighting
        var bar: ProgressReporter?
        var barHead: String?
        let model = try LinearTrainer.train(rows: train, validation: validation, options: options, version: version) { p in
            if bar == nil || barHead != p.head {
                bar?.finish()
                bar = ProgressReporter(label: "train \(p.head ?? "model")", total: p.epochs, unit: "iterations")
                barHead = p.head
            }
            bar?.update(p.epoch, extra: "loss \(String(format: "%.4f", p.loss))" + (p.validationMacroF1.map { " val macro-F1 \(String(format: "%.3f", $0))" } ?? ""))
        }
        bar?.finish()
        try model.save(to: out)
        let record = TrainingRecord(kind: kind, dataPath: data, dataSHA256: try SHA256Digest.file(data), dataRows: rows.count,
                                    trainRows: train.count, validationRows: validation.count, encoder: nil,
                                    parameters: ["epochs": "\(options.epochs)", "seed": "\(seed)", "class_weighting": classWeighting,
                                                 "buckets": "\(options.buckets)", "clean": "\(!noClean)"],
                                    startedAt: startedAt, finishedAt: ISO8601DateFormatter().string(from: Date()))
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try enc.encode(record).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent(TrainingRecord.fileName)))
        note("model \(version) written to \(out)")
        if !validation.isEmpty {
            let report = try Evaluator.evaluate(classifier: model, rows: validation, batchSize: 256)
            let dir = (out as NSString).appendingPathComponent("validation")
            try report.write(to: dir)
            print(report.summaryTable())
            note("validation report: \(dir)/report.md")
        }
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        return f.string(from: Date())
    }
}
