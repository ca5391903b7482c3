// LinearTrainer: fits the feature space and one softmax head per label set on dataset rows.
import Foundation
import MailroomCore

/// Trains ``LinearModel``s.
public enum LinearTrainer {
    /// Trains on the rows whose split is not `validation` and uses the `validation` rows for progress
    /// (and model selection when ``LinearTrainingOptions/selectBestEpochOnValidation`` is set).
    public static func train(dataset: [DatasetRow], options: LinearTrainingOptions = LinearTrainingOptions(),
                             version: String,
                             progress: (LinearTrainingProgress) -> Void = { _ in }) throws(LinearError) -> LinearModel {
        try train(rows: dataset.filter { !$0.isValidation }, validation: dataset.filter(\.isValidation),
                  options: options, version: version, progress: progress)
    }

    /// Trains a linear model.
    ///
    /// Heads are every label key seen in `rows` (sorted by name); each head's labels are the labels seen
    /// in `rows`, sorted. A row without a head's key does not train that head.
    /// - Parameters:
    ///   - rows: training rows (their `split` is ignored).
    ///   - validation: rows scored after every epoch (may be empty); never trained on.
    ///   - options: features and optimiser settings.
    ///   - version: recorded in the manifest and every prediction.
    ///   - progress: called after every epoch on the calling thread.
    public static func train(rows: [DatasetRow], validation: [DatasetRow],
                             options: LinearTrainingOptions = LinearTrainingOptions(), version: String,
                             progress: (LinearTrainingProgress) -> Void = { _ in }) throws(LinearError) -> LinearModel {
        try options.validate()
        guard !rows.isEmpty else { throw .noTrainingRows }
        let start = Date()
        let specs = try headSpecs(rows)

        // Features: hash every text, keep buckets with df ≥ min_df, build tf-idf rows (N rows of F features).
        let hasher = FeatureHasher(parameters: FeatureParameters(options: options))
        let counts = rows.map { hasher.counts($0.text) }
        let space = try FeatureSpace.fit(hasher: hasher, counts: counts)
        var x = SparseRows()
        for c in counts { x.append(space.vector(c)) }
        let validationVectors = validation.map { space.vector($0.text) }

        // Targets (N) per head, −1 where the row lacks the head, and per-class loss weights (K).
        var targets: [[Int32]] = []
        var classWeights: [[Float]] = []
        for spec in specs {
            let index = Dictionary(uniqueKeysWithValues: spec.labels.enumerated().map { ($1, Int32($0)) })
            let t = rows.map { r in r.labels[spec.name].map { index[$0]! } ?? -1 }
            targets.append(t)
            classWeights.append(options.classWeighting.weights(classIndices: t.map(Int.init), classCount: spec.labels.count))
        }

        if options.optimizer == .lbfgs {
            let xAll = x
            // Cross-validation folds with their own feature space: learned on the fold's training rows only.
            let foldFeatures: PenaltySelection.FoldFeatures = { trainRows in
                // A fold too small to keep any n-gram at min_df (only on tiny data sets, where the full space
                // barely exists) is scored on the shared space rather than failing the whole training.
                guard let fold = try? FeatureSpace.fit(hasher: hasher, counts: trainRows.map { counts[$0] }) else {
                    return (xAll, space.featureCount)
                }
                var rows = SparseRows()
                for c in counts { rows.append(fold.vector(c)) }
                return (rows, fold.featureCount)
            }
            var fitted: [HeadWeights] = []
            for (h, spec) in specs.enumerated() {
                let keep = targets[h].indices.filter { targets[h][$0] >= 0 }
                // One fit per penalty, strongest first, each warm-started from the previous; the head is the
                // mean of the fits (averaging linear models' weights averages their logits).
                var penalties = options.l2Ensemble.isEmpty ? [options.l2] : options.l2Ensemble.sorted(by: >)
                var gamma = options.naiveBayesScaling
                if Set(options.l2Grid).count > 1 || Set(options.naiveBayesGrid).count > 1 {
                    // Cross-validated on the training rows only (`xAll` holds no validation row).
                    let choice = PenaltySelection.choose(spec: spec, featureCount: space.featureCount, x: xAll,
                                                         rows: keep, targets: keep.map { Int(targets[h][$0]) },
                                                         grid: Set(options.l2Grid).count > 1 ? options.l2Grid : penalties,
                                                         scalings: options.naiveBayesGrid.isEmpty
                                                            ? [gamma] : options.naiveBayesGrid,
                                                         k: options.crossValidationFolds,
                                                         edgeExtensions: Set(options.l2Grid).count > 1
                                                            ? options.gridEdgeExtensions : 0,
                                                         options: options,
                                                         foldFeatures: options.foldLocalFeatures
                                                            ? foldFeatures : nil) { done, total in
                        var step = LinearTrainingProgress(head: spec.name, epoch: 0, epochs: options.epochs, loss: 0,
                                                          validationMacroF1: nil, seconds: Date().timeIntervalSince(start))
                        step.crossValidationFits = (done, total)
                        progress(step)
                    }
                    if Set(options.l2Grid).count > 1 { penalties = [choice.l2] }
                    gamma = choice.naiveBayes
                    var report = LinearTrainingProgress(head: spec.name, epoch: 0, epochs: options.epochs, loss: 0,
                                                        validationMacroF1: nil,
                                                        seconds: Date().timeIntervalSince(start))
                    report.chosenPenalty = choice
                    progress(report)
                }
                // Per-head naive-Bayes scales (F), or none: the head is fitted on `x` scaled by them.
                let scales = gamma > 0
                    ? NaiveBayesScaling.scales(x: xAll, rows: keep, targets: keep.map { Int(targets[h][$0]) },
                                               classCount: spec.labels.count, featureCount: space.featureCount,
                                               exponent: gamma)
                    : nil
                let x = scales.map { NaiveBayesScaling.scaled(xAll, by: $0) } ?? xAll
                var head = LBFGSHead(spec: spec, featureCount: space.featureCount, rows: keep,
                                     targets: keep.map { Int(targets[h][$0]) }, classWeights: classWeights[h],
                                     l2: options.l2, threads: options.threads)
                var sum = [Float](repeating: 0, count: head.parameterCount)
                var previous: [Float]?
                var iteration = 0
                for penalty in penalties {
                    head.l2 = penalty
                    let theta = head.fit(x: x, iterations: options.epochs, start: previous) { _, loss in
                        iteration += 1
                        progress(LinearTrainingProgress(head: spec.name, epoch: iteration,
                                                        epochs: options.epochs * penalties.count, loss: loss,
                                                        validationMacroF1: nil, seconds: Date().timeIntervalSince(start)))
                    }
                    for i in sum.indices { sum[i] += theta[i] }
                    previous = theta
                }
                let scale = 1 / Float(penalties.count)
                var weights = head.weights(sum.map { $0 * scale })
                if let scales { NaiveBayesScaling.unscale(&weights, by: scales) }
                if options.decisionTuning == .priorScale {
                    // Out-of-fold logits on the training rows only (`x` holds no validation row).
                    let t = keep.map { Int(targets[h][$0]) }
                    let logits = DecisionTuner.outOfFoldLogits(spec: spec, featureCount: space.featureCount, x: x,
                                                               rows: keep, targets: t, l2: penalties[0],
                                                               k: options.crossValidationFolds, options: options)
                    let correction = DecisionTuner.priorCorrection(targets: t, classCount: spec.labels.count)
                    let choice = DecisionTuner.chooseScale(logits: logits, targets: t, correction: correction)
                    for c in weights.bias.indices { weights.bias[c] += choice.scale * correction[c] }
                    var report = LinearTrainingProgress(head: spec.name, epoch: 0, epochs: options.epochs, loss: 0,
                                                        validationMacroF1: nil, seconds: Date().timeIntervalSince(start))
                    report.decision = choice
                    progress(report)
                }
                fitted.append(weights)
            }
            if !validation.isEmpty {
                let score = validationMacroF1(fitted, vectors: validationVectors, rows: validation)
                progress(LinearTrainingProgress(head: nil, epoch: options.epochs, epochs: options.epochs, loss: 0,
                                                validationMacroF1: score, seconds: Date().timeIntervalSince(start)))
            }
            return LinearModel(version: version, space: space, heads: fitted)
        }

        let heads = specs.map { HeadOptimizer(spec: $0, featureCount: space.featureCount) }
        let stepL2 = options.l2 / Float(rows.count)
        var rng = SeededGenerator(seed: options.seed)
        var order = Array(0..<rows.count)
        var best: (score: Double, heads: [HeadWeights])?
        let averageFrom = options.epochs / 2 + 1
        for epoch in 1...options.epochs {
            rng.shuffle(&order)
            // AdaGrad already shrinks steps; a gentle 1/√epoch decay on top settles the late epochs.
            let lr = options.learningRate / Float(epoch).squareRoot()
            var loss = 0.0
            x.indices.withUnsafeBufferPointer { idx in
                x.values.withUnsafeBufferPointer { val in
                    for r in order {
                        let lo = x.rowStart[r], hi = x.rowStart[r + 1]
                        let i = UnsafeBufferPointer(rebasing: idx[lo..<hi])
                        let v = UnsafeBufferPointer(rebasing: val[lo..<hi])
                        for h in heads.indices {
                            let t = Int(targets[h][r])
                            if t < 0 { continue }
                            loss += Double(heads[h].step(indices: i, values: v, target: t,
                                                         weight: classWeights[h][t], learningRate: lr,
                                                         l2: stepL2))
                        }
                    }
                }
            }
            if options.averageWeights && epoch >= averageFrom { heads.forEach { $0.snapshot() } }
            var score: Double?
            if !validation.isEmpty {
                let current = heads.map { $0.weights(averaged: options.averageWeights) }
                let s = validationMacroF1(current, vectors: validationVectors, rows: validation)
                score = s
                if options.selectBestEpochOnValidation, s > (best?.score ?? -1) { best = (s, current) }
            }
            progress(LinearTrainingProgress(head: nil, epoch: epoch, epochs: options.epochs, loss: loss / Double(rows.count),
                                            validationMacroF1: score, seconds: Date().timeIntervalSince(start)))
        }
        let final = best?.heads ?? heads.map { $0.weights(averaged: options.averageWeights) }
        return LinearModel(version: version, space: space, heads: final)
    }

    /// Heads of the training rows (``HeadSpec/heads(of:)``); every head needs two labels.
    static func headSpecs(_ rows: [DatasetRow]) throws(LinearError) -> [HeadSpec] {
        let specs = HeadSpec.heads(of: rows)
        guard !specs.isEmpty else { throw .noLabels }
        if let single = specs.first(where: { $0.labels.count < 2 }) {
            throw .singleLabel(head: single.name, label: single.labels[0])
        }
        return specs
    }

    /// Mean over heads of the validation macro-F1 of `heads` (rows lacking a head are skipped for it).
    static func validationMacroF1(_ heads: [HeadWeights], vectors: [SparseVector], rows: [DatasetRow]) -> Double {
        var total = 0.0
        var scored = 0
        for head in heads {
            var truth: [String] = [], predicted: [String] = []
            for (v, r) in zip(vectors, rows) {
                guard let t = r.labels[head.spec.name] else { continue }
                truth.append(t); predicted.append(head.spec.labels[head.predict(v)])
            }
            guard !truth.isEmpty else { continue }
            total += ClassificationMetrics.compute(truth: truth, predicted: predicted, labels: head.spec.labels).macro.f1
            scored += 1
        }
        return scored > 0 ? total / Double(scored) : 0
    }
}
