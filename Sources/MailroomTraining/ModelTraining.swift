// ModelTraining: one training run from a dataset file to a self-describing model directory — cleaning the rows as
// the pipeline serves them, dispatching to the linear or transformer trainer, recording provenance (training.json)
// and writing the validation report. `mailroom train` is a thin front end over this.
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomEvaluation
import MailroomLinear
import MailroomModels
import MailroomRegistry
import MailroomTransformer

/// Model kinds `mailroom train` can produce.
public enum ModelKind: String, Sendable, CaseIterable {
    case linear, transformer
}

/// Everything one training run needs.
public struct TrainingRequest: Sendable {
    public var kind: ModelKind
    /// Dataset JSONL (the format of ../shared/datasets/README.md); `split: validation` rows are held out.
    public var dataPath: String
    /// Model directory to write (created; an existing model there is replaced).
    public var outputDirectory: String
    /// Recorded in the manifest and every prediction.
    public var version: String
    /// Train on the cleaned text the pipeline serves (default) or on the raw body.
    public var clean = true
    /// Options for `kind == .linear`.
    public var linear = LinearTrainingOptions()
    /// Options for `kind == .transformer`.
    public var transformer = TransformerTrainingOptions()
    /// Transformer: the encoder to start from; nil: the bundled MiniLM (``BundledEncoder/locate()``).
    public var encoder: String?

    public init(kind: ModelKind, dataPath: String, outputDirectory: String, version: String) {
        self.kind = kind; self.dataPath = dataPath; self.outputDirectory = outputDirectory; self.version = version
    }
}

/// What a caller hears while a run proceeds (for progress bars and log lines).
public enum TrainingEvent: Sendable {
    /// Rows read (and cleaned): how many train and validate.
    case loaded(train: Int, validation: Int)
    /// Transformer: the encoder the run starts from.
    case encoder(String)
    case linear(LinearTrainingProgress)
    case transformer(TransformerTrainingProgress)
    /// Transformer: the run finished; which epoch was kept.
    case transformerFinished(TransformerTrainingSummary)
    /// The model directory is complete (weights, manifest, training.json).
    case written(directory: String)
}

/// What a finished run produced.
public struct TrainingOutcome: Sendable {
    public var directory: String
    public var record: TrainingRecord
    /// Per-head validation figures (nil when the data had no validation rows); also written under
    /// `directory/validation/` as metrics.json, report.md and report.html, with the rows' profile.json (``TrafficProfile``).
    public var validationReport: EvaluationReport?
    /// Where the validation report was written, when there was one.
    public var validationReportDirectory: String?
}

/// Runs training requests.
public enum ModelTraining {
    /// Trains `request.kind` on `request.dataPath` and writes `request.outputDirectory`.
    ///
    /// The directory holds the model (loadable by ``ModelLoader``), `training.json` (a ``TrainingRecord``: data
    /// SHA-256 and row counts, encoder, parameters, start and end time, read by `mailroom registry register`) and,
    /// when the data has validation rows, `validation/` with the evaluation report.
    public static func run(_ request: TrainingRequest,
                           progress: (TrainingEvent) -> Void = { _ in }) throws -> TrainingOutcome {
        let startedAt = ISO8601DateFormatter().string(from: Date())
        var rows = try JSONL.read(DatasetRow.self, from: request.dataPath)   // throws JSONLError.empty for no rows
        if request.clean {
            let cleaner = EmailCleaner()
            rows = rows.map { cleaner.prepare($0) }
        }
        let train = rows.filter { !$0.isValidation }, validation = rows.filter(\.isValidation)
        progress(.loaded(train: train.count, validation: validation.count))
        var parameters = ["clean": "\(request.clean)"]
        var encoderUsed: String?
        var threads = 2

        switch request.kind {
        case .linear:
            let o = request.linear
            parameters.merge(["seed": "\(o.seed)", "epochs": "\(o.epochs)", "class_weighting": o.classWeighting.rawValue,
                              "buckets": "\(o.buckets)", "l2": "\(o.l2)"]) { $1 }
            if o.naiveBayesScaling > 0 { parameters["naive_bayes"] = "\(o.naiveBayesScaling)" }
            if let grid = o.crossValidation {
                if !grid.penalties.isEmpty { parameters["l2_grid"] = grid.penalties.map { "\($0)" }.joined(separator: ",") }
                if !grid.naiveBayesExponents.isEmpty {
                    parameters["naive_bayes_grid"] = grid.naiveBayesExponents.map { "\($0)" }.joined(separator: ",")
                }
                parameters["cv_folds"] = "\(grid.folds)"
            }
            threads = o.threads
            var chosen: [String: PenaltyChoice] = [:]
            // Validation rows are not given to the trainer: they are scored below, after the model is saved.
            let model = try LinearTrainer.train(rows: train, options: o, version: request.version) { p in
                if case .penaltyChosen(let head, let choice) = p { chosen[head] = choice }
                progress(.linear(p))
            }
            // What cross-validation chose per head, for the provenance record.
            for (head, c) in chosen { parameters["cv_choice.\(head)"] = "l2=\(c.l2) naive_bayes=\(c.naiveBayes)" }
            try model.save(to: request.outputDirectory)

        case .transformer:
            let start = try request.encoder ?? BundledEncoder.locate()
            encoderUsed = start
            progress(.encoder(start))
            let o = request.transformer
            threads = o.threads
            parameters.merge(["seed": "\(o.seed)", "epochs": "\(o.epochs)", "learning_rate": "\(o.learningRate)",
                              "batch_size": "\(o.batchSize)", "max_length": "\(o.maxLength)",
                              "freeze_encoder": "\(o.freezeEncoder)", "class_weighting": o.classWeighting.rawValue]) { $1 }
            let summary = try TransformerTrainer.train(encoder: start, rows: train, validation: validation, options: o,
                                                       version: request.version, out: request.outputDirectory) {
                progress(.transformer($0))
            }
            progress(.transformerFinished(summary))
        }

        let record = TrainingRecord(kind: request.kind.rawValue, dataPath: request.dataPath,
                                    dataSHA256: try SHA256Digest.file(request.dataPath), dataRows: rows.count,
                                    trainRows: train.count, validationRows: validation.count, encoder: encoderUsed,
                                    parameters: parameters, startedAt: startedAt,
                                    finishedAt: ISO8601DateFormatter().string(from: Date()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(record).write(to: URL(fileURLWithPath: request.outputDirectory)
            .appendingPathComponent(TrainingRecord.fileName))
        progress(.written(directory: request.outputDirectory))

        var outcome = TrainingOutcome(directory: request.outputDirectory, record: record)
        if !validation.isEmpty {
            let model = try ModelLoader.load(directory: request.outputDirectory, threads: threads)
            let (report, profile) = try Evaluator.evaluateWithProfile(classifier: model, rows: validation, batchSize: 64)
            let dir = URL(fileURLWithPath: request.outputDirectory).appendingPathComponent("validation").path
            try report.write(to: dir)
            // What live traffic is compared with (the feedback-collector's mailroom_drift_* metrics).
            try profile.write(to: (request.outputDirectory as NSString).appendingPathComponent(TrafficProfile.validationPath))
            outcome.validationReport = report
            outcome.validationReportDirectory = dir
        }
        return outcome
    }

    /// A default version string: the kind and the UTC time, e.g. `linear-20261129T051500`.
    public static func defaultVersion(kind: ModelKind, at date: Date = Date()) -> String {
        defaultVersion(prefix: kind.rawValue, at: date)
    }

    /// `PREFIX-` and the UTC time, e.g. `retrain-20261203T080000`.
    public static func defaultVersion(prefix: String, at date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX"); f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss"
        return "\(prefix)-\(f.string(from: date))"
    }
}
