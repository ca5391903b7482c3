// mailroom train: trains a model directory from a dataset JSONL file and writes its validation report.
import ArgumentParser
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomEvaluation
import MailroomLinear
import MailroomModels
import MailroomPipeline
import MailroomRegistry
import MailroomTransformer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset JSONL file (rows with split \"validation\" are held out for validation).")

    @Option(help: "Dataset JSONL file (see ../shared/datasets/README.md for the format).") var data: String
    @Option(help: "Output model directory (created; an existing model there is replaced).") var out: String
    @Option(help: "Model kind: linear or transformer.") var kind: String = "linear"
    @Option(name: .customLong("model-version"), help: "Version string recorded in every prediction (default: kind + UTC time).")
    var modelVersion: String?
    @Option(help: "Training epochs (linear: the most L-BFGS iterations per head; transformer: passes over the data).") var epochs: Int?
    @Option(help: "Random seed (training is deterministic for a seed).") var seed: UInt64 = 0
    @Option(help: "Class weighting: balanced or none (default: balanced for linear, none for transformer).") var classWeighting: String?
    @Flag(help: "Train on the raw body instead of the cleaned text the pipeline serves.") var noClean = false

    // Transformer options.
    @Option(help: "Transformer: the encoder to start from (HF BERT/DistilBERT directory or a Mailroom checkpoint; default: the bundled MiniLM).")
    var encoder: String?
    @Option(help: "Transformer: peak learning rate (AdamW, linear warm-up and decay).") var learningRate: Float = 1e-4
    @Option(help: "Transformer: sequences per optimizer step.") var batchSize: Int = 16
    @Option(help: "Transformer: most tokens per email (with [CLS]/[SEP]).") var maxLength: Int = 128
    @Flag(help: "Transformer: train the heads only (fast retrains).") var freezeEncoder = false
    @Option(help: "Transformer: compute threads.") var threads: Int = 2
    @Option(help: "Transformer: resume from the trainer state in this earlier --out directory.") var resume: String?

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
        var parameters = ["seed": "\(seed)", "clean": "\(!noClean)"]
        var encoderUsed: String?

        switch kind {
        case "linear":
            var options = LinearTrainingOptions()
            options.seed = seed
            if let epochs { options.epochs = epochs }
            let weighting = classWeighting ?? "balanced"
            guard let w = ClassWeighting(rawValue: weighting) else { throw CLIError("--class-weighting \(weighting): expected balanced or none") }
            options.classWeighting = w
            parameters.merge(["epochs": "\(options.epochs)", "class_weighting": weighting, "buckets": "\(options.buckets)",
                              "l2": "\(options.l2)"]) { $1 }
            var bar: ProgressReporter?
            var barHead: String?
            let model = try LinearTrainer.train(rows: train, validation: validation, options: options, version: version) { p in
                if bar == nil || barHead != p.head {
                    bar?.finish()
                    bar = ProgressReporter(label: "train \(p.head ?? "model")", total: p.epochs, unit: "iterations")
                    barHead = p.head
                }
                bar?.update(p.epoch, extra: "loss \(String(format: "%.4f", p.loss))")
            }
            bar?.finish()
            try model.save(to: out)

        case "transformer":
            let start = try encoder ?? BundledEncoder.locate()
            encoderUsed = start
            var options = TransformerTrainingOptions()
            options.seed = seed
            if let epochs { options.epochs = epochs }
            options.learningRate = learningRate
            options.batchSize = batchSize
            options.maxLength = maxLength
            options.freezeEncoder = freezeEncoder
            options.threads = threads
            options.resumeFrom = resume
            let weighting = classWeighting ?? "none"
            guard let w = TransformerTrainingOptions.ClassWeighting(rawValue: weighting) else {
                throw CLIError("--class-weighting \(weighting): expected balanced or none")
            }
            options.classWeighting = w
            parameters.merge(["epochs": "\(options.epochs)", "learning_rate": "\(learningRate)", "batch_size": "\(batchSize)",
                              "max_length": "\(maxLength)", "freeze_encoder": "\(freezeEncoder)", "class_weighting": weighting]) { $1 }
            note("train: transformer from \(start)\(freezeEncoder ? " (encoder frozen)" : "")")
            var bar: ProgressReporter?
            let summary = try TransformerTrainer.train(encoder: start, rows: train, validation: validation, options: options,
                                                       version: version, out: out) { p in
                if bar == nil { bar = ProgressReporter(label: "train", total: p.totalSteps, unit: "steps") }
                bar?.update(p.step, extra: "epoch \(p.epoch) loss \(String(format: "%.4f", p.loss)) \(String(format: "%.1f", p.sequencesPerSecond)) seq/s"
                            + (p.validationMeanMacroF1.map { " val macro-F1 \(String(format: "%.3f", $0))" } ?? ""))
            }
            bar?.finish("best epoch \(summary.bestEpoch), mean validation macro-F1 \(String(format: "%.3f", summary.bestMeanMacroF1))")

        default:
            throw CLIError("--kind \(kind): expected linear or transformer")
        }

        let record = TrainingRecord(kind: kind, dataPath: data, dataSHA256: try SHA256Digest.file(data), dataRows: rows.count,
                                    trainRows: train.count, validationRows: validation.count, encoder: encoderUsed,
                                    parameters: parameters, startedAt: startedAt,
                                    finishedAt: ISO8601DateFormatter().string(from: Date()))
        let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try enc.encode(record).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent(TrainingRecord.fileName)))
        note("model \(version) written to \(out)")
        if !validation.isEmpty {
            let model = try ModelLoader.load(directory: out, threads: threads)
            let report = try Evaluator.evaluate(classifier: model, rows: validation, batchSize: 64)
            let dir = (out as NSString).appendingPathComponent("validation")
            try report.write(to: dir)
            print(report.summaryTable())
            note("validation report: \(dir)/report.md (and report.html, metrics.json)")
        }
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        return f.string(from: Date())
    }
}
