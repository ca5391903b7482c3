// TransformerTrainer: multi-task fine-tuning of a BERT/DistilBERT encoder with one head per label set (the recipe of
// ../shared/reference/hf_multitask_reference.py): AdamW, linear warm-up and decay, clipping, dropout, validation per
// epoch keeping the best checkpoint by mean macro-F1, resumable state.
import Foundation
import MailroomCore
import MailroomTokenizer

/// Fine-tunes transformer classifiers.
public enum TransformerTrainer {
    /// Trains and writes the best checkpoint to `out`.
    ///
    /// `out/` receives config.json (with the `mailroom` object, kind "transformer"), model.safetensors (HF names +
    /// `heads.*`), the tokenizer files, `validation_report.json` (per-epoch history and the best epoch's per-head
    /// figures) and `trainer_state/` (latest weights, AdamW moments and step) for `resumeFrom`.
    /// - Parameters:
    ///   - encoder: a bare HF encoder directory (heads are created from the data's labels: sorted head names, sorted
    ///     labels) or an existing Mailroom checkpoint (its heads are kept; the data's labels must be among them).
    ///   - rows: training rows; a row without a label for a head does not train that head.
    ///   - validation: validation rows; empty: a seeded `validationFraction` of `rows` is held out.
    ///   - progress: called after every update and after each validation.
    public static func train(encoder: String, rows: [DatasetRow], validation: [DatasetRow],
                             options: TransformerTrainingOptions, version: String, out: String,
                             progress: (TransformerTrainingProgress) -> Void) throws -> TransformerTrainingSummary {
        let o = options
        guard o.epochs >= 1, o.batchSize >= 1, o.learningRate > 0, o.threads >= 1 else {
            throw TransformerTrainingError.badOption("epochs, batch size, learning rate and threads must be positive")
        }
        var train = rows, valid = validation
        if valid.isEmpty {
            var rng = SplitMix64(seed: o.seed ^ 0x5EED)
            train.shuffle(using: &rng)
            let k = Int(Double(train.count) * o.validationFraction)
            valid = Array(train.prefix(k)); train = Array(train.dropFirst(k))
        }
        guard !train.isEmpty else { throw TransformerTrainingError.noTrainingRows }

        // Start: resume state, an existing checkpoint, or a bare encoder with fresh heads written to `out`.
        var resumed: (dir: String, file: TrainerStateFile)? = nil
        if let r = o.resumeFrom { resumed = try readTrainerState(r) }
        let start: String
        if let r = resumed {
            start = (r.dir as NSString).appendingPathComponent("model")
        } else if (try? ModelManifest.read(directory: encoder))?.kind == "transformer" {
            start = encoder
        } else {
            let heads = HeadSpec.heads(of: train)
            guard !heads.isEmpty else { throw TransformerTrainingError.noLabels }
            try TransformerCheckpoint.create(encoder: encoder, heads: heads, version: version, maxLength: o.maxLength,
                                             seed: o.seed, out: out)
            start = out
        }
        let classifier = try TransformerClassifier.load(directory: start, threads: o.threads)
        let heads = classifier.heads
        for row in train + valid {
            for (h, l) in row.labels {
                guard let spec = heads.first(where: { $0.name == h }) else { continue }
                if !spec.labels.contains(l), !row.isValidation {
                    throw TransformerTrainingError.labelNotInCheckpoint(head: h, label: l)
                }
            }
        }
        let (_, configJSON) = try EncoderConfig.read(directory: start)
        let startReader = try SafetensorsReader(path: (start as NSString).appendingPathComponent("model.safetensors"))

        // Tokenise once.
        let trainIds = train.map { classifier.encode($0.text).ids }
        let validEncodings = valid.map { classifier.encode($0.text) }
        let maxT = max(2, trainIds.map(\.count).max() ?? 2)
        let model = TrainingModel(classifier: classifier, maxB: o.batchSize, maxT: maxT, threads: o.threads)
        var extra: [String: SafetensorsWriter.Tensor] = [:]
        let named = Set(model.namedTensors().map(\.key))
        for (key, e) in startReader.entries where e.dtype.isFloat && !named.contains(key) && !key.hasPrefix("heads.") {
            let k = key.hasPrefix(model.config.family.rawValue + ".") ? String(key.dropFirst(model.config.family.rawValue.count + 1)) : key
            if !named.contains(k) { extra[k] = .init(shape: e.shape, values: try startReader.floats(key)) }
        }

        // Labels per head, class and head weights, dropout.
        let labelIndex = heads.map { h in Dictionary(uniqueKeysWithValues: h.labels.enumerated().map { ($1, $0) }) }
        let trainLabels: [[Int]] = heads.indices.map { hi in train.map { r in r.labels[heads[hi].name].flatMap { labelIndex[hi][$0] } ?? -1 } }
        let classWeights: [[Float]?] = heads.indices.map { hi in
            o.classWeighting == .none ? nil : o.classWeighting.weights(classIndices: trainLabels[hi],
                                                                       classCount: heads[hi].labels.count)
        }
        let headWeights = heads.map { o.headWeights[$0.name] ?? 1 }
        let dropout: DropoutRates
        if let p = o.dropout {
            dropout = DropoutRates(hidden: p, attention: p, head: p)
        } else {
            let hidden = (configJSON["hidden_dropout_prob"] ?? configJSON["dropout"]) as? Double ?? 0.1
            let attention = (configJSON["attention_probs_dropout_prob"] ?? configJSON["attention_dropout"]) as? Double ?? 0.1
            dropout = DropoutRates(hidden: Float(hidden), attention: Float(attention), head: 0.1)
        }

        // Schedule and optimizer state.
        let stepsPerEpoch = (train.count + o.batchSize - 1) / o.batchSize
        let totalSteps = o.epochs * stepsPerEpoch
        let warmup = Int(o.warmupFraction * Float(totalSteps))
        let optimizer = AdamW(count: model.count, weightDecay: o.weightDecay)
        var state = TrainerStateFile(epochsDone: 0, step: 0, totalSteps: totalSteps, bestEpoch: 0, bestMeanMacroF1: -1,
                                     history: [], heads: heads, seed: o.seed, batchSize: o.batchSize,
                                     freezeEncoder: o.freezeEncoder)
        if let r = resumed {
            guard r.file.totalSteps == totalSteps, r.file.batchSize == o.batchSize, r.file.heads == heads else {
                throw TransformerTrainingError.resume("the saved run had \(r.file.totalSteps) steps of batch \(r.file.batchSize); use the same data, epochs and batch size")
            }
            state = r.file
            try model.loadOptimizer(from: r.dir, into: optimizer, step: r.file.step)
        }
        let stateDir = (out as NSString).appendingPathComponent("trainer_state")
        let tokenizerSource = start

        let lastEpoch = min(o.epochs, state.epochsDone + (o.epochLimitThisRun ?? o.epochs))
        let runStart = Date()
        var stepsThisRun = 0
        for epoch in state.epochsDone..<lastEpoch {
            let t0 = Date()
            var order = Array(train.indices)
            var shuffleRNG = SplitMix64(seed: o.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch + 1))
            order.shuffle(using: &shuffleRNG)
            var lossSum: Double = 0, batches = 0, sequences = 0
            for b in stride(from: 0, to: order.count, by: o.batchSize) {
                let idx = Array(order[b..<min(order.count, b + o.batchSize)])
                let labels = heads.indices.map { hi in idx.map { trainLabels[hi][$0] } }
                model.zeroGrad()
                var rng = SplitMix64(seed: (o.seed &+ 1) &* 0xD1B5_4A32_D192_ED03 &+ UInt64(optimizer.step))
                let loss = try model.forwardBackward(idx.map { trainIds[$0] }, labels: labels, classWeights: classWeights,
                                                     headWeights: headWeights, dropout: dropout, rng: &rng,
                                                     freezeEncoder: o.freezeEncoder)
                let lr = o.learningRate * linearWarmupDecay(step: optimizer.step, warmup: warmup, total: totalSteps)
                model.update(optimizer, lr: lr, clip: o.clipNorm, freezeEncoder: o.freezeEncoder)
                lossSum += Double(loss); batches += 1; sequences += idx.count; stepsThisRun += 1
                let elapsed = Date().timeIntervalSince(runStart)
                progress(TransformerTrainingProgress(
                    epoch: epoch + 1, step: optimizer.step, totalSteps: totalSteps, loss: Float(lossSum / Double(batches)),
                    sequencesPerSecond: Double(sequences) / max(1e-9, Date().timeIntervalSince(t0)),
                    etaSeconds: elapsed / Double(stepsThisRun) * Double(totalSteps - optimizer.step),
                    validationMeanMacroF1: nil))
            }
            let seconds = Date().timeIntervalSince(t0)
            let report = try validate(classifier, valid, validEncodings)
            let mean = report.isEmpty ? 0 : report.values.map(\.macroF1).reduce(0, +) / Double(report.count)
            let record = EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, batches)), seconds: seconds,
                                     sequencesPerSecond: Double(sequences) / max(1e-9, seconds), validation: report,
                                     meanMacroF1: mean)
            state.history.append(record)
            state.epochsDone = epoch + 1
            if mean > state.bestMeanMacroF1 {
                state.bestMeanMacroF1 = mean; state.bestEpoch = epoch + 1
                try model.writeCheckpoint(to: out, configJSON: configJSON, version: version, extra: extra,
                                          tokenizerSource: tokenizerSource)
            }
            try model.saveTrainerState(to: stateDir, optimizer: optimizer, file: state, configJSON: configJSON,
                                       version: version, extra: extra, tokenizerSource: tokenizerSource)
            try writeReport(state, to: out)
            progress(TransformerTrainingProgress(
                epoch: epoch + 1, step: optimizer.step, totalSteps: totalSteps, loss: Float(record.trainLoss),
                sequencesPerSecond: record.sequencesPerSecond,
                etaSeconds: Date().timeIntervalSince(runStart) / Double(max(1, stepsThisRun)) * Double(totalSteps - optimizer.step),
                validationMeanMacroF1: mean))
        }
        return TransformerTrainingSummary(checkpoint: out, bestEpoch: state.bestEpoch,
                                          bestMeanMacroF1: state.bestMeanMacroF1, history: state.history, heads: heads)
    }

    /// Per-head accuracy and macro-F1 on the rows that carry that head's label.
    static func validate(_ model: TransformerClassifier, _ rows: [DatasetRow], _ encodings: [Encoding]) throws -> [String: HeadValidation] {
        guard !rows.isEmpty else { return [:] }
        let outputs = try model.classify(encodings: encodings)
        var result: [String: HeadValidation] = [:]
        for head in model.heads {
            var truth: [String] = [], predicted: [String] = []
            for (r, out) in zip(rows, outputs) {
                guard let gold = r.labels[head.name], let logits = out.logits[head.name] else { continue }
                let best = logits.indices.max { logits[$0] < logits[$1] }!
                truth.append(gold); predicted.append(head.labels[best])
            }
            guard !truth.isEmpty else { continue }
            let m = ClassificationMetrics.compute(truth: truth, predicted: predicted)
            result[head.name] = HeadValidation(accuracy: m.accuracy, macroF1: m.macro.f1, count: truth.count)
        }
        return result
    }

    static func writeReport(_ state: TrainerStateFile, to out: String) throws {
        struct Report: Codable { var bestEpoch: Int; var bestMeanMacroF1: Double; var best: [String: HeadValidation]; var history: [EpochRecord] }
        let best = state.history.first { $0.epoch == state.bestEpoch }?.validation ?? [:]
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(Report(bestEpoch: state.bestEpoch, bestMeanMacroF1: state.bestMeanMacroF1, best: best,
                              history: state.history))
            .write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("validation_report.json")))
    }
}
