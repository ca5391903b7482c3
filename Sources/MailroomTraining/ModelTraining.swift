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
    /// n-gram and field features, one softmax head per label set (MailroomLinear).
    case linear
    /// A fine-tuned BERT/DistilBERT encoder with one head per label set (MailroomTransformer).
    case transformer
    /// Both, trained on the same rows and blended per head by weights chosen on the held-out calibration rows
    /// (``HybridBlend``); needs calibration (`holdout > 0`).
    case hybrid
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
    /// The email's structured fields the model reads besides its text (``ModelInput/fieldNames``; `mailroom train`
    /// reads `custodian_bank` and `language` unless told otherwise). Empty: text alone.
    public var fields: [String] = []
    /// Linear, with fields and calibration (refit): per head, keep the fields only where they beat the text alone on
    /// the held-out training rows (macro-F1), so that a field never costs a head what it gains another.
    public var fieldSelection = true
    /// Confidence calibration and review targets (off unless `holdout > 0`; `mailroom train` turns it on).
    public var calibration = CalibrationOptions()
    /// Recorded in training.json beside the run's own settings (`--kind auto` records its choice here).
    public var extraParameters: [String: String] = [:]

    public init(kind: ModelKind, dataPath: String, outputDirectory: String, version: String) {
        self.kind = kind; self.dataPath = dataPath; self.outputDirectory = outputDirectory; self.version = version
    }
}

/// How a run calibrates its confidences (``ModelCalibration``): on training rows held out from a first fit, never on
/// the validation rows.
public struct CalibrationOptions: Sendable, Equatable {
    /// Share of the training rows held out (by a hash of the id) to fit each head's temperature and review threshold;
    /// 0 turns calibration off.
    public var holdout: Double = 0
    /// Per head, the precision the emails routed without review must reach (for example `queue: 0.95`).
    public var reviewTargets: [String: Double] = [:]
    /// How the thresholds read the held-out rows: their precision (default) or its 95 % lower bound.
    public var reviewBound: ReviewBound = .estimate
    /// After fitting, train the served model again on all training rows (true, twice the training time) or serve
    /// the model fitted without the held-out rows (false).
    public var refit = true
    /// Fewer held-out rows than this and the run is not calibrated (with review targets: an error).
    public var minimumRows = 30
    public init() {}
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
    /// Field selection: a head's macro-F1 on the held-out rows with and without the fields, and whether it reads them.
    case fieldsChosen(head: String, withFields: Double, textAlone: Double, reads: Bool)
    /// `--kind auto`: cross-validation trains `kind` on all folds but `fold` (1-based).
    case selecting(fold: Int, folds: Int, kind: ModelKind)
    /// `--kind auto`: every kind's figures and the choice.
    case selected(KindChoice)
    /// Hybrid: a head's blend, chosen on the held-out rows (with each part's macro-F1 there).
    case blended(head: String, blend: HeadBlend)
    /// Calibration: the first fit holds out `heldOut` training rows (then `refit` trains on all of them again).
    case calibrationSplit(fit: Int, heldOut: Int, refit: Bool)
    /// Calibration is off for this run, and why.
    case calibrationSkipped(String)
    /// The temperatures and review thresholds fitted on the held-out rows (written as calibration.json).
    case calibrated(ModelCalibration)
    /// The model directory is complete (weights, manifest, training.json).
    case written(directory: String)
}

/// Errors of a training run that no trainer reports.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
    case calibrationTooFewRows(heldOut: Int, minimum: Int, holdout: Double, purpose: String)
    case reviewTargetUnknownHead(String, heads: [String])
    case reviewTargetOutOfRange(String, Double)
    case reviewTargetsWithoutCalibration
    case hybridWithoutHoldout

    public var description: String {
        switch self {
        case .calibrationTooFewRows(let n, let m, let f, let purpose):
            "\(purpose) need held-out rows, but holding out \(f) of the training rows gives \(n) rows (at least \(m) needed); raise --calibration-holdout or add rows"
        case .reviewTargetUnknownHead(let h, let heads): "--review-target \(h): the model has no head \(h); its heads are \(heads.joined(separator: ", "))"
        case .reviewTargetsWithoutCalibration:
            "review targets are derived on held-out training rows: give --calibration-holdout a share above 0 (for example 0.15)"
        case .hybridWithoutHoldout:
            "the hybrid kind chooses its blend on held-out training rows: give --calibration-holdout a share above 0 (for example 0.15)"
        case .reviewTargetOutOfRange(let h, let t): "--review-target \(h)=\(t): a precision target lies between 0 and 1 (exclusive of 0)"
        }
    }
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
        let rows = try Self.rows(of: request)
        let train = rows.filter { !$0.isValidation }, validation = rows.filter(\.isValidation)
        progress(.loaded(train: train.count, validation: validation.count))
        var parameters = request.extraParameters.merging(["clean": "\(request.clean)"]) { $1 }
        var encoderUsed: String?
        var threads = 2

        /// Records a part's settings in training.json (a hybrid's under `linear.` and `transformer.`).
        func record(_ settings: [String: String], _ part: ModelKind) {
            let prefix = request.kind == .hybrid ? part.rawValue + "." : ""
            for (k, v) in settings { parameters[prefix + k] = v }
        }
        /// The hybrid's blend, once fitted on the held-out rows (the refit writes it with its parts).
        var hybridBlend: HybridBlend?

        /// Trains `kind` on `trainRows` into `out` (the calibration run's first fit, then the served model),
        /// reading `fields` (linear: only in `fieldHeads`, nil: every head).
        func fit(_ trainRows: [DatasetRow], into out: String, kind: ModelKind = request.kind, fields: [String]? = nil,
                 fieldHeads: Set<String>? = nil) throws {
            switch kind {
            case .hybrid:
                // The two parts, each a model directory of its own kind, then the hybrid's manifest and blend.
                try? FileManager.default.removeItem(atPath: out)
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                let linearDir = (out as NSString).appendingPathComponent(HybridBlend.linearPart)
                let transformerDir = (out as NSString).appendingPathComponent(HybridBlend.transformerPart)
                try fit(trainRows, into: linearDir, kind: .linear, fields: fields, fieldHeads: fieldHeads)
                try fit(trainRows, into: transformerDir, kind: .transformer, fields: fields)
                let heads = try ModelManifest.read(directory: linearDir).heads
                try HybridClassifier.write(directory: out, version: request.version, heads: heads,
                                           blend: hybridBlend ?? .even(heads: heads))

            case .linear:
                var o = request.linear
                o.fields = fields ?? request.fields
                o.fieldHeads = fieldHeads
                record(["seed": "\(o.seed)", "epochs": "\(o.epochs)", "class_weighting": o.classWeighting.rawValue,
                        "buckets": "\(o.buckets)", "l2": "\(o.l2)"], .linear)
                if o.naiveBayesScaling > 0 { record(["naive_bayes": "\(o.naiveBayesScaling)"], .linear) }
                if let grid = o.crossValidation {
                    if !grid.penalties.isEmpty { record(["l2_grid": grid.penalties.map { "\($0)" }.joined(separator: ",")], .linear) }
                    if !grid.naiveBayesExponents.isEmpty {
                        record(["naive_bayes_grid": grid.naiveBayesExponents.map { "\($0)" }.joined(separator: ",")], .linear)
                    }
                    record(["cv_folds": "\(grid.folds)"], .linear)
                }
                threads = o.threads
                var chosen: [String: PenaltyChoice] = [:]
                // Validation rows are not given to the trainer: they are scored below, after the model is saved.
                let model = try LinearTrainer.train(rows: trainRows, options: o, version: request.version) { p in
                    if case .penaltyChosen(let head, let choice) = p { chosen[head] = choice }
                    progress(.linear(p))
                }
                // What cross-validation chose per head, for the provenance record.
                for (head, c) in chosen { record(["cv_choice.\(head)": "l2=\(c.l2) naive_bayes=\(c.naiveBayes)"], .linear) }
                try model.save(to: out)

            case .transformer:
                let start = try request.encoder ?? BundledEncoder.locate()
                encoderUsed = start
                progress(.encoder(start))
                var o = request.transformer
                o.fields = fields ?? request.fields
                threads = o.threads
                record(["seed": "\(o.seed)", "epochs": "\(o.epochs)", "learning_rate": "\(o.learningRate)",
                        "batch_size": "\(o.batchSize)", "max_length": "\(o.maxLength)",
                        "freeze_encoder": "\(o.freezeEncoder)", "class_weighting": o.classWeighting.rawValue], .transformer)
                let summary = try TransformerTrainer.train(encoder: start, rows: trainRows, validation: validation, options: o,
                                                           version: request.version, out: out) {
                    progress(.transformer($0))
                }
                progress(.transformerFinished(summary))
            }
        }

        try ModelInput.validate(fields: request.fields)
        if !request.fields.isEmpty {
            parameters["fields"] = request.fields.joined(separator: ",")
            parameters["field_selection"] = "\(request.fieldSelection)"
        }
        let cal = request.calibration
        try checkReviewTargets(cal, rows: train)
        guard request.kind != .hybrid || cal.holdout > 0 else { throw TrainingError.hybridWithoutHoldout }
        var calibration: ModelCalibration?
        if cal.holdout > 0 {
            let heldOut = train.filter { StableSplit.unit($0.id + "#calibration") < cal.holdout }
            let fitRows = train.filter { StableSplit.unit($0.id + "#calibration") >= cal.holdout }
            if heldOut.count < cal.minimumRows || fitRows.isEmpty {
                guard cal.reviewTargets.isEmpty, request.kind != .hybrid else {
                    throw TrainingError.calibrationTooFewRows(heldOut: heldOut.count, minimum: cal.minimumRows, holdout: cal.holdout,
                                                              purpose: request.kind == .hybrid ? "the hybrid's blend" : "review targets")
                }
                progress(.calibrationSkipped("holding out \(cal.holdout) of \(train.count) training rows gives \(heldOut.count) (at least \(cal.minimumRows) needed); confidences stay uncalibrated"))
            } else {
                progress(.calibrationSplit(fit: fitRows.count, heldOut: heldOut.count, refit: cal.refit))
                let first = request.outputDirectory + ".calibration"
                try? FileManager.default.removeItem(atPath: first)
                defer { try? FileManager.default.removeItem(atPath: first) }
                try fit(fitRows, into: first)
                var fieldHeads: Set<String>?
                var textCalibration: ModelCalibration?
                if request.kind == .linear || request.kind == .hybrid, !request.fields.isEmpty, request.fieldSelection, cal.refit {
                    // The same first fit of the linear model (a hybrid's linear part) on the text alone; per head, the
                    // fields stay where they win on held-out rows.
                    let linearFirst = request.kind == .hybrid ? (first as NSString).appendingPathComponent(HybridBlend.linearPart) : first
                    let text = first + ".text"
                    defer { try? FileManager.default.removeItem(atPath: text) }
                    try fit(fitRows, into: text, kind: .linear, fields: [])
                    let withFieldsModel = try ModelLoader.load(directory: linearFirst, threads: threads, calibrated: false)
                    let textModel = try ModelLoader.load(directory: text, threads: threads, calibrated: false)
                    let withFields = try Evaluator.evaluate(classifier: withFieldsModel, rows: heldOut)
                    let textAlone = try Evaluator.evaluate(classifier: textModel, rows: heldOut)
                    if request.kind == .linear {
                        textCalibration = try fitCalibration(model: textModel, rows: heldOut, targets: cal.reviewTargets, bound: cal.reviewBound)
                    }
                    var reads: Set<String> = []
                    let heads = withFieldsModel.heads.map(\.name)
                    for head in heads {
                        guard let a = withFields[head: head]?.metrics.macro.f1, let b = textAlone[head: head]?.metrics.macro.f1 else { continue }
                        if a > b { reads.insert(head) }
                        progress(.fieldsChosen(head: head, withFields: a, textAlone: b, reads: a > b))
                        parameters["field_choice.\(head)"] = String(format: "fields %.4f, text alone %.4f on %d held-out rows", a, b, heldOut.count)
                    }
                    fieldHeads = reads
                    parameters["field_heads"] = reads.isEmpty ? "none" : reads.sorted().joined(separator: ",")
                    // A hybrid's blend is fitted on the linear part it will serve: refit the part with its choice.
                    if request.kind == .hybrid, reads.count < heads.count {
                        try fit(fitRows, into: linearFirst, kind: .linear, fieldHeads: reads)
                    }
                }
                if request.kind == .hybrid {
                    // The blend's weights come from the same held-out rows as the temperatures (never validation rows).
                    let blend = try HybridClassifier.load(directory: first, threads: threads).fitBlend(rows: heldOut)
                    try blend.write(directory: first)
                    hybridBlend = blend
                    for (head, b) in blend.heads.sorted(by: { $0.key < $1.key }) {
                        progress(.blended(head: head, blend: b))
                        parameters["blend.\(head)"] = String(format: "linear weight %.2f by \(b.objective.rawValue) on %d held-out rows; macro-F1 linear %.4f, transformer %.4f, hybrid %.4f; log-loss linear %.4f, transformer %.4f, hybrid %.4f",
                                                             b.linearWeight, b.heldOutRows, b.linearMacroF1, b.transformerMacroF1,
                                                             b.blendMacroF1, b.linearLogLoss, b.transformerLogLoss, b.blendLogLoss)
                    }
                }
                let model = try ModelLoader.load(directory: first, threads: threads, calibrated: false)
                var fitted = try fitCalibration(model: model, rows: heldOut, targets: cal.reviewTargets, bound: cal.reviewBound)
                if let textCalibration, let fieldHeads {
                    for head in model.heads.map(\.name) where !fieldHeads.contains(head) { fitted.heads[head] = textCalibration.heads[head] }
                }
                calibration = fitted
                progress(.calibrated(fitted))
                if cal.refit {
                    try fit(train, into: request.outputDirectory, fieldHeads: fieldHeads)
                } else {
                    try? FileManager.default.removeItem(atPath: request.outputDirectory)
                    try FileManager.default.moveItem(atPath: first, toPath: request.outputDirectory)
                }
            }
            parameters["calibration_holdout"] = "\(cal.holdout)"
            parameters["calibration_refit"] = "\(cal.refit)"
            if !cal.reviewTargets.isEmpty {
                parameters["review_targets"] = cal.reviewTargets.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                parameters["review_bound"] = cal.reviewBound.rawValue
            }
        }
        if let calibration {
            try calibration.write(directory: request.outputDirectory)
        } else {
            try fit(train, into: request.outputDirectory)
            // An uncalibrated model must not inherit the temperatures of a model trained here before.
            try? FileManager.default.removeItem(atPath: (request.outputDirectory as NSString).appendingPathComponent(ModelCalibration.fileName))
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

    /// The request's dataset rows, cleaned as the pipeline serves them unless `clean` is off (throws
    /// `JSONLError.empty` for no rows).
    public static func rows(of request: TrainingRequest) throws -> [DatasetRow] {
        let rows = try JSONL.read(DatasetRow.self, from: request.dataPath)
        guard request.clean else { return rows }
        let cleaner = EmailCleaner()
        return rows.map { cleaner.prepare($0) }
    }

    /// Review targets name heads of the data and lie in (0, 1].
    static func checkReviewTargets(_ options: CalibrationOptions, rows: [DatasetRow]) throws {
        guard options.reviewTargets.isEmpty || options.holdout > 0 else { throw TrainingError.reviewTargetsWithoutCalibration }
        let heads = Set(rows.flatMap(\.labels.keys)).sorted()
        for (head, target) in options.reviewTargets {
            guard heads.contains(head) else { throw TrainingError.reviewTargetUnknownHead(head, heads: heads) }
            guard target > 0, target <= 1 else { throw TrainingError.reviewTargetOutOfRange(head, target) }
        }
    }

    /// Fits each head's temperature (and review threshold, where a target is given) on `rows`, which the model
    /// was not trained on. Rows whose label the model lacks (a class absent from its training rows) are left out.
    public static func fitCalibration(model: any TextClassifier, rows: [DatasetRow],
                                      targets: [String: Double], bound: ReviewBound = .estimate) throws -> ModelCalibration {
        var logits = [[[Float]]](repeating: [], count: model.heads.count)
        var truth = [[Int]](repeating: [], count: model.heads.count)
        let index = model.heads.map { head in Dictionary(head.labels.enumerated().map { ($1, $0) }) { a, _ in a } }
        _ = try Evaluator.predictedLabels(classifier: model, rows: rows) { r, output in
            for (h, head) in model.heads.enumerated() {
                guard let label = rows[r].labels[head.name], let y = index[h][label], let z = output.logits[head.name] else { continue }
                logits[h].append(z); truth[h].append(y)
            }
        }
        var heads: [String: HeadCalibration] = [:]
        for (h, head) in model.heads.enumerated() where !logits[h].isEmpty {
            heads[head.name] = TemperatureScaling.calibrate(logits: logits[h], truth: truth[h], reviewTarget: targets[head.name], bound: bound)
        }
        return ModelCalibration(fittedOn: "\(rows.count) training rows held out from the first fit (not the validation rows)",
                                heads: heads)
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
