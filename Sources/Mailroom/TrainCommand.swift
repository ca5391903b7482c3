// mailroom train: trains a model directory from a dataset JSONL file and writes its validation report.
import ArgumentParser
import Foundation
import MailroomCore
import MailroomLinear
import MailroomTraining
import MailroomTransformer

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a model on a dataset JSONL file (rows with split \"validation\" are held out for validation).")

    @Option(help: "Dataset JSONL file (see ../shared/datasets/README.md for the format).") var data: String
    @Option(help: "Output model directory (created; an existing model there is replaced).") var out: String
    @Option(help: "Model kind: linear, transformer, hybrid (both, blended per head on held-out training rows) or auto (cross-validation on the training rows picks one of those three).")
    var kind: String = "linear"
    @Option(help: "--kind auto: folds of the training rows.") var autoFolds: Int = 3
    @Option(help: "--kind auto: at most this many training rows take part in the cross-validation (a stable sample; bounds the folds' transformer runs); 0: all.")
    var autoRows: Int = 0
    @Option(help: "--kind auto: the kinds compared, comma-separated.") var autoKinds: String = "linear,transformer,hybrid"
    @Option(help: "--kind auto: a costlier kind (transformer over linear, hybrid over both) is chosen only when its mean macro-F1 leads by more than this.")
    var autoTolerance: Double = 0
    @Option(name: .customLong("model-version"), help: "Version string recorded in every prediction (default: kind + UTC time).")
    var modelVersion: String?
    @Option(help: "Training epochs (linear: the most L-BFGS iterations per head; transformer: passes over the data; hybrid and auto: the transformer's passes).") var epochs: Int?
    @Option(help: "Random seed (training is deterministic for a seed).") var seed: UInt64 = 0
    @Option(help: "Class weighting: balanced or none (default: balanced for linear, none for transformer).") var classWeighting: String?
    @Flag(help: "Train on the raw body instead of the cleaned text the pipeline serves.") var noClean = false
    @Flag(name: .customLong("select-by-cv"),
          help: "Linear: choose each head's L2 penalty and naive-Bayes feature scaling by 3-fold cross-validation on the training rows (the setting in BENCHMARKS.md; several times slower).")
    var selectByCV = false

    // Transformer options.
    @Option(help: "Transformer: the encoder to start from (HF BERT/DistilBERT directory or a Mailroom checkpoint; default: the bundled MiniLM).")
    var encoder: String?
    @Option(help: "Transformer: peak learning rate (AdamW, linear warm-up and decay).") var learningRate: Float = 1e-4
    @Option(help: "Transformer: sequences per optimizer step.") var batchSize: Int = 16
    @Option(help: "Transformer: most tokens per email (with [CLS]/[SEP]).") var maxLength: Int = 128
    @Flag(help: "Transformer: train the heads only (fast retrains).") var freezeEncoder = false
    @Option(help: "Transformer: compute threads.") var threads: Int = 2
    @Option(help: "Transformer: resume from the trainer state in this earlier --out directory.") var resume: String?

    @Option(help: "The email's structured fields the model reads besides its text, comma-separated (custodian_bank, language; an absent one is a value of its own), or none.")
    var fields: String = "custodian_bank,language"
    @Flag(help: "Linear: let every head read the fields, instead of only those whose macro-F1 on the held-out calibration rows they raise.")
    var noFieldSelection = false

    // Calibration and review.
    @Option(help: "Share of the training rows held out to calibrate the confidences (a temperature per head) and derive review thresholds; 0: uncalibrated.")
    var calibrationHoldout: Double = 0.15
    @Option(name: .customLong("review-target"),
            help: "HEAD=PRECISION (repeatable): route a head's prediction without review only at a confidence whose precision on held-out rows reaches PRECISION, e.g. queue=0.95; the threshold travels with the model version and the router applies it.")
    var reviewTargets: [String] = []
    @Option(help: "How review thresholds read the held-out rows: estimate (their precision reaches the target) or lower95 (its one-sided 95 % lower bound does: the target holds on new emails with about 95 % confidence, for less coverage).")
    var reviewBound: String = "estimate"
    @Flag(help: "Calibration: serve the model fitted without the held-out rows instead of training again on all rows (half the training time).")
    var noCalibrationRefit = false

    func run() throws {
        let auto = kind == "auto"
        guard let modelKind = auto ? .linear : ModelKind(rawValue: kind) else {
            throw CLIError("--kind \(kind): expected linear, transformer, hybrid or auto")
        }
        var request = TrainingRequest(kind: modelKind, dataPath: data, outputDirectory: out,
                                      version: modelVersion ?? ModelTraining.defaultVersion(prefix: kind))
        request.clean = !noClean
        request.linear.seed = seed
        // --epochs means what it means for the kind; a hybrid's (and --kind auto's) are the transformer's passes, the
        // linear part keeping its default iterations.
        if let epochs {
            if modelKind == .linear && !auto { request.linear.epochs = epochs }
            request.transformer.epochs = epochs
        }
        if selectByCV {
            guard modelKind == .linear else { throw CLIError("--select-by-cv applies to --kind linear only") }
            request.linear.crossValidation = .standard
        }
        // Each kind's own default (a hybrid's parts and --kind auto's candidates too): balanced for linear, none for
        // transformer.
        for w in [classWeighting].compactMap({ $0 }) where ClassWeighting(rawValue: w) == nil {
            throw CLIError("--class-weighting \(w): expected balanced or none")
        }
        request.linear.classWeighting = ClassWeighting(rawValue: classWeighting ?? "balanced")!
        request.transformer.classWeighting = ClassWeighting(rawValue: classWeighting ?? "none")!
        request.transformer.seed = seed
        request.transformer.learningRate = learningRate
        request.transformer.batchSize = batchSize
        request.transformer.maxLength = maxLength
        request.transformer.freezeEncoder = freezeEncoder
        request.transformer.threads = threads
        request.transformer.resumeFrom = resume
        request.encoder = encoder
        guard (0..<1).contains(calibrationHoldout) else {
            throw CLIError("--calibration-holdout \(calibrationHoldout): expected a share from 0 up to (not including) 1, e.g. 0.15")
        }
        request.fields = fields == "none" ? [] : fields.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        do { try ModelInput.validate(fields: request.fields) } catch { throw CLIError("--fields \(fields): \(error)") }
        request.fieldSelection = !noFieldSelection
        request.calibration.holdout = calibrationHoldout
        request.calibration.refit = !noCalibrationRefit
        request.calibration.reviewTargets = try Self.parseReviewTargets(reviewTargets)
        guard let bound = ReviewBound(rawValue: reviewBound) else { throw CLIError("--review-bound \(reviewBound): expected estimate or lower95") }
        request.calibration.reviewBound = bound

        let printer = TrainingProgressPrinter(data: data, cleaned: !noClean, selectByCV: selectByCV,
                                              freezeEncoder: freezeEncoder, version: request.version)
        let outcome: TrainingOutcome
        if auto {
            var options = KindSelectionOptions()
            options.folds = autoFolds
            options.maxRows = autoRows > 0 ? autoRows : nil
            options.tolerance = autoTolerance
            options.kinds = try autoKinds.split(separator: ",").map { name in
                let n = name.trimmingCharacters(in: .whitespaces)
                guard let k = ModelKind(rawValue: n) else { throw CLIError("--auto-kinds: \(n) is not a kind (linear, transformer, hybrid)") }
                return k
            }
            guard !options.kinds.isEmpty else { throw CLIError("--auto-kinds: name at least one kind") }
            outcome = try KindSelection.train(request, options: options) { printer.show($0) }.outcome
        } else {
            outcome = try ModelTraining.run(request) { printer.show($0) }
        }
        if let report = outcome.validationReport, let dir = outcome.validationReportDirectory {
            print(report.summaryTable())
            for head in report.heads {
                if let c = head.confidence { note("validation \(head.name): \(c.summaryLine)") }
            }
            note("validation report: \(dir)/report.md (and report.html, metrics.json)")
        }
    }

    /// `HEAD=PRECISION` arguments as a dictionary.
    static func parseReviewTargets(_ specs: [String]) throws -> [String: Double] {
        var targets: [String: Double] = [:]
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, let p = Double(parts[1]) else {
                throw CLIError("--review-target \(spec): expected HEAD=PRECISION, e.g. queue=0.95")
            }
            guard targets[parts[0]] == nil else { throw CLIError("--review-target \(parts[0]) given twice") }
            targets[parts[0]] = p
        }
        return targets
    }
}
