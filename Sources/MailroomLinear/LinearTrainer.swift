// LinearTrainer: fits the feature space and one softmax head per label set on dataset rows, in named steps:
// heads, features, (cross-validated) setting per head, final fit per head.
import Foundation
import MailroomCore

/// Trains ``LinearModel``s.
public enum LinearTrainer {
    /// Trains on the rows whose split is not `validation`; validation rows play no part in training.
    public static func train(dataset: [DatasetRow], options: LinearTrainingOptions = LinearTrainingOptions(),
                             version: String,
                             progress: (LinearTrainingProgress) -> Void = { _ in }) throws(LinearError) -> LinearModel {
        try train(rows: dataset.filter { !$0.isValidation }, options: options, version: version, progress: progress)
    }

    /// Trains a linear model.
    ///
    /// Heads are ``HeadSpec/heads(of:)`` of `rows`; a row without a head's key does not train that head. Each head
    /// is fitted with the fixed ``LinearTrainingOptions/l2`` and ``LinearTrainingOptions/naiveBayesScaling``, or with
    /// those ``LinearTrainingOptions/crossValidation`` chooses for it on `rows`.
    /// - Parameters:
    ///   - rows: training rows (their `split` is ignored).
    ///   - options: features and fitting settings.
    ///   - version: recorded in the manifest and every prediction.
    ///   - progress: called on the calling thread as training proceeds.
    public static func train(rows: [DatasetRow], options: LinearTrainingOptions = LinearTrainingOptions(),
                             version: String,
                             progress: (LinearTrainingProgress) -> Void = { _ in }) throws(LinearError) -> LinearModel {
        try options.validate()
        guard !rows.isEmpty else { throw .noTrainingRows }
        let specs = try heads(of: rows)
        let (space, x, textOnly) = try features(of: rows, options: options)
        progress(.featuresBuilt(features: space.featureCount, rows: rows.count))
        var fitted: [HeadWeights] = []
        for (index, spec) in specs.enumerated() {
            progress(.headStarted(head: spec.name, index: index, count: specs.count))
            let head = HeadRows(spec: spec, rows: rows)
            // A head that does not read the fields is fitted on rows without them: its field weights stay zero.
            let rowsX = options.fieldHeads.map { $0.contains(spec.name) } ?? true ? x : textOnly!
            let setting = setting(for: head, x: rowsX, featureCount: space.featureCount, options: options,
                                  progress: progress)
            fitted.append(fit(head, x: rowsX, featureCount: space.featureCount, setting: setting, options: options,
                              progress: progress))
        }
        return LinearModel(version: version, space: space, heads: fitted)
    }

    /// The rows of one head: indices into the training rows that carry its label (N'), and their classes (N').
    struct HeadRows {
        let spec: HeadSpec
        let rows: [Int]
        let targets: [Int]

        init(spec: HeadSpec, rows: [DatasetRow]) {
            let index = Dictionary(uniqueKeysWithValues: spec.labels.enumerated().map { ($1, $0) })
            var kept: [Int] = [], targets: [Int] = []
            for (r, row) in rows.enumerated() {
                guard let label = row.labels[spec.name] else { continue }
                kept.append(r); targets.append(index[label]!)
            }
            self.spec = spec; self.rows = kept; self.targets = targets
        }
    }

    /// The penalty and naive-Bayes exponent one head is fitted with.
    struct HeadSetting {
        var l2: Float
        var naiveBayes: Double
    }

    /// Heads of the training rows; every head needs two labels.
    static func heads(of rows: [DatasetRow]) throws(LinearError) -> [HeadSpec] {
        let specs = HeadSpec.heads(of: rows)
        guard !specs.isEmpty else { throw .noLabels }
        if let single = specs.first(where: { $0.labels.count < 2 }) {
            throw .singleLabel(head: single.name, label: single.labels[0])
        }
        return specs
    }

    /// Hashes every text, keeps buckets with df ≥ min_df and builds the tf-idf rows (N rows of F features); when
    /// some heads do not read the fields (``LinearTrainingOptions/fieldHeads``), also the rows without them.
    static func features(of rows: [DatasetRow],
                         options: LinearTrainingOptions) throws(LinearError) -> (FeatureSpace, SparseRows, SparseRows?) {
        let hasher = FeatureHasher(parameters: FeatureParameters(options: options))
        let counts = rows.map { hasher.counts($0.input) }
        let space = try FeatureSpace.fit(hasher: hasher, counts: counts)
        var x = SparseRows()
        for c in counts { x.append(space.vector(c)) }
        guard options.fieldHeads != nil, !options.fields.isEmpty else { return (space, x, options.fieldHeads == nil ? nil : x) }
        var textOnly = SparseRows()
        for var c in counts { c.fields = []; textOnly.append(space.vector(c)) }
        return (space, x, textOnly)
    }

    /// The fixed setting, or the one cross-validation on the training rows (`x` holds no validation row) chooses.
    static func setting(for head: HeadRows, x: SparseRows, featureCount: Int, options: LinearTrainingOptions,
                        progress: (LinearTrainingProgress) -> Void) -> HeadSetting {
        guard let grid = options.crossValidation else {
            return HeadSetting(l2: options.l2, naiveBayes: options.naiveBayesScaling)
        }
        let name = head.spec.name
        let choice = PenaltySelection.choose(
            spec: head.spec, featureCount: featureCount, x: x, rows: head.rows, targets: head.targets,
            grid: grid.penalties.isEmpty ? [options.l2] : grid.penalties,
            scalings: grid.naiveBayesExponents.isEmpty ? [options.naiveBayesScaling] : grid.naiveBayesExponents,
            k: grid.folds, edgeExtensions: grid.edgeExtensions, options: options) { done, total in
            progress(.crossValidationFit(head: name, done: done, total: total))
        }
        progress(.penaltyChosen(head: name, choice: choice))
        return HeadSetting(l2: choice.l2, naiveBayes: choice.naiveBayes)
    }

    /// Fits one head on all its training rows by L-BFGS; with naive-Bayes scaling the fit sees scaled features and
    /// the scales are folded into the weights, so the head reads raw tf-idf vectors.
    static func fit(_ head: HeadRows, x: SparseRows, featureCount: Int, setting: HeadSetting,
                    options: LinearTrainingOptions, progress: (LinearTrainingProgress) -> Void) -> HeadWeights {
        let classCount = head.spec.labels.count
        // Per-head naive-Bayes scales (F), or none.
        let scales = setting.naiveBayes > 0
            ? NaiveBayesScaling.scales(x: x, rows: head.rows, targets: head.targets, classCount: classCount,
                                       featureCount: featureCount, exponent: setting.naiveBayes)
            : nil
        let lbfgs = LBFGSHead(spec: head.spec, featureCount: featureCount, rows: head.rows, targets: head.targets,
                              classWeights: options.classWeighting.weights(classIndices: head.targets,
                                                                           classCount: classCount),
                              l2: setting.l2, threads: options.threads)
        let name = head.spec.name
        let theta = lbfgs.fit(x: scales.map { NaiveBayesScaling.scaled(x, by: $0) } ?? x,
                              iterations: options.epochs) { iteration, loss in
            progress(.iteration(head: name, iteration: iteration, of: options.epochs, loss: loss))
        }
        var weights = lbfgs.weights(theta)
        if let scales { NaiveBayesScaling.unscale(&weights, by: scales) }
        return weights
    }
}
