// TransformerTrainingRun: one fine-tuning run's state between epochs and its three steps: prepare (start point,
// tokens, labels, weights, schedule, resumed state), epoch (shuffled updates, then validation) and checkpoint
// (history, best checkpoint, resumable state, report). TransformerTrainer.train drives it.
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomTokenizer

/// What a run holds from one epoch to the next. Shapes: N = training rows, H = heads, K = a head's labels.
struct TransformerTrainingRun {
    let options: TransformerTrainingOptions
    let version: String
    /// Receives the best checkpoint and validation_report.json; `trainer_state/` under it the resumable state.
    let out: String
    /// Where the weights and tokenizer files came from: resume state, a Mailroom checkpoint, or fresh heads in `out`.
    let start: String
    let classifier: TransformerClassifier
    let model: TrainingModel
    let optimizer: AdamW
    let heads: [HeadSpec]
    /// The start checkpoint's config.json, written with every checkpoint.
    let configJSON: [String: Any]
    /// Float tensors of the start checkpoint that training does not touch (e.g. the pooler), saved unchanged.
    let extra: [String: SafetensorsWriter.Tensor]
    /// Token ids per training row (N).
    let trainIds: [[Int]]
    /// Label index per head and training row (H, N); −1 where the row has no label for that head.
    let trainLabels: [[Int]]
    let valid: [DatasetRow]
    let validEncodings: [Encoding]
    /// Per head: class weights (K), nil for all 1 (``TransformerTrainingOptions/classWeighting``).
    let classWeights: [[Float]?]
    /// Per head: loss weight (``TransformerTrainingOptions/headWeights``).
    let headWeights: [Float]
    let dropout: DropoutRates
    let totalSteps: Int
    let warmupSteps: Int
    /// The 0-based epochs this run trains: from the resumed state to `epochs`, at most `epochLimitThisRun` of them.
    let epochsThisRun: Range<Int>
    /// Epochs done, step, best epoch and history: trainer_state/state.json.
    var state: TrainerStateFile
    let runStart = Date()
    var stepsThisRun = 0

    var stateDirectory: String { (out as NSString).appendingPathComponent(trainerStateFolder) }

    var summary: TransformerTrainingSummary {
        TransformerTrainingSummary(checkpoint: out, bestEpoch: state.bestEpoch, bestMeanMacroF1: state.bestMeanMacroF1,
                                   history: state.history, heads: heads)
    }

    // MARK: - Prepare

    /// Checks the options, picks the start point, tokenises every row once and sets up labels, weights, schedule
    /// and optimizer state (from `resumeFrom` when given). See ``TransformerTrainer/train(encoder:rows:validation:options:version:out:progress:)``.
    static func prepare(encoder: String, rows: [DatasetRow], validation: [DatasetRow],
                        options o: TransformerTrainingOptions, version: String, out: String) throws -> Self {
        guard o.epochs >= 1, o.batchSize >= 1, o.learningRate > 0, o.threads >= 1 else {
            throw TransformerTrainingError.badOption("epochs, batch size, learning rate and threads must be positive")
        }
        do { try ModelInput.validate(fields: o.fields) } catch { throw TransformerTrainingError.badOption("\(error)") }
        let (train, valid) = split(rows, validation: validation, options: o)
        guard !train.isEmpty else { throw TransformerTrainingError.noTrainingRows }
        let resumed = try o.resumeFrom.map(readTrainerState)
        // Fresh heads know every label of the training rows, those held out here as the run's own validation
        // rows too (a rare label may fall only among them); given validation rows may hold other labels.
        let start = try startingPoint(encoder: encoder, train: validation.isEmpty ? rows : train, resumed: resumed,
                                      options: o, version: version, out: out)
        let classifier = try TransformerClassifier.load(directory: start, threads: o.threads)
        let heads = classifier.heads
        try checkLabels(train + valid, heads: heads)
        var (_, configJSON) = try EncoderConfig.read(directory: start)
        // The fields the checkpoints read (written into every saved config.json, used for every row below).
        classifier.fields = o.fields
        if var m = configJSON["mailroom"] as? [String: Any] { m["fields"] = o.fields.isEmpty ? nil : o.fields; configJSON["mailroom"] = m }

        let trainIds = train.map { classifier.encode($0.input.prefixed(fields: o.fields)).ids }
        let maxT = max(2, trainIds.map(\.count).max() ?? 2)
        let model = TrainingModel(classifier: classifier, maxB: o.batchSize, maxT: maxT, threads: o.threads)
        let extra = try untrainedTensors(of: start, model: model)

        let trainLabels: [[Int]] = heads.map { head in
            let index = Dictionary(uniqueKeysWithValues: head.labels.enumerated().map { ($1, $0) })
            return train.map { r in r.labels[head.name].flatMap { index[$0] } ?? -1 }
        }
        let classWeights: [[Float]?] = zip(heads, trainLabels).map { head, labels in
            o.classWeighting == .none ? nil : o.classWeighting.weights(classIndices: labels, classCount: head.labels.count)
        }

        let stepsPerEpoch = (train.count + o.batchSize - 1) / o.batchSize
        let totalSteps = o.epochs * stepsPerEpoch
        let optimizer = AdamW(count: model.count, weightDecay: o.weightDecay)
        var state = TrainerStateFile(epochsDone: 0, step: 0, totalSteps: totalSteps, bestEpoch: 0, bestMeanMacroF1: -1,
                                     history: [], heads: heads, seed: o.seed, batchSize: o.batchSize,
                                     freezeEncoder: o.freezeEncoder)
        if let resumed {
            let (dir, file) = resumed
            guard file.totalSteps == totalSteps, file.batchSize == o.batchSize, file.heads == heads else {
                throw TransformerTrainingError.resume("the saved run had \(file.totalSteps) steps of batch \(file.batchSize); use the same data, epochs and batch size")
            }
            state = file
            try model.loadOptimizer(from: dir, into: optimizer, step: file.step)
        }
        let lastEpoch = min(o.epochs, state.epochsDone + (o.epochLimitThisRun ?? o.epochs))
        return Self(options: o, version: version, out: out, start: start, classifier: classifier, model: model,
                    optimizer: optimizer, heads: heads, configJSON: configJSON, extra: extra, trainIds: trainIds,
                    trainLabels: trainLabels, valid: valid, validEncodings: valid.map { classifier.encode($0.input.prefixed(fields: o.fields)) },
                    classWeights: classWeights, headWeights: heads.map { o.headWeights[$0.name] ?? 1 },
                    dropout: dropoutRates(options: o, configJSON: configJSON), totalSteps: totalSteps,
                    warmupSteps: Int(o.warmupFraction * Float(totalSteps)),
                    epochsThisRun: state.epochsDone..<max(state.epochsDone, lastEpoch), state: state)
    }

    /// Training and validation rows; without validation rows, a seeded `validationFraction` of `rows` is held out.
    static func split(_ rows: [DatasetRow], validation: [DatasetRow],
                      options o: TransformerTrainingOptions) -> (train: [DatasetRow], valid: [DatasetRow]) {
        guard validation.isEmpty else { return (rows, validation) }
        var train = rows
        var rng = SplitMix64(seed: o.seed ^ 0x5EED)
        train.shuffle(using: &rng)
        let k = Int(Double(train.count) * o.validationFraction)
        return (Array(train.dropFirst(k)), Array(train.prefix(k)))
    }

    /// The directory training starts from: the resume state's model, an existing Mailroom checkpoint, or a bare
    /// encoder with fresh heads (``HeadSpec/heads(of:)`` of the training rows) written to `out`.
    static func startingPoint(encoder: String, train: [DatasetRow], resumed: (String, TrainerStateFile)?,
                              options o: TransformerTrainingOptions, version: String, out: String) throws -> String {
        if let resumed { return (resumed.0 as NSString).appendingPathComponent("model") }
        if (try? ModelManifest.read(directory: encoder))?.kind == "transformer" { return encoder }
        let heads = HeadSpec.heads(of: train)
        guard !heads.isEmpty else { throw TransformerTrainingError.noLabels }
        try TransformerCheckpoint.create(encoder: encoder, heads: heads, version: version, maxLength: o.maxLength,
                                         seed: o.seed, out: out)
        return out
    }

    /// Every training row's label must be one the start checkpoint's head can predict (validation rows may hold
    /// others: they count as errors).
    static func checkLabels(_ rows: [DatasetRow], heads: [HeadSpec]) throws {
        for row in rows {
            for (h, l) in row.labels {
                guard let spec = heads.first(where: { $0.name == h }) else { continue }
                if !spec.labels.contains(l), !row.isValidation {
                    throw TransformerTrainingError.labelNotInCheckpoint(head: h, label: l)
                }
            }
        }
    }

    /// Float tensors of `start`'s weights that the training model does not hold (HF names, family prefix dropped).
    static func untrainedTensors(of start: String, model: TrainingModel) throws -> [String: SafetensorsWriter.Tensor] {
        let reader = try SafetensorsReader(path: (start as NSString).appendingPathComponent("model.safetensors"))
        let named = Set(model.namedTensors().map(\.key))
        let prefix = model.config.family.rawValue + "."
        var extra: [String: SafetensorsWriter.Tensor] = [:]
        for (key, e) in reader.entries where reader.isFloatReadable(key) && !named.contains(key) && !key.hasPrefix("heads.") {
            let k = key.hasPrefix(prefix) ? String(key.dropFirst(prefix.count)) : key
            if !named.contains(k) { extra[k] = .init(shape: e.shape, values: try reader.floats(key)) }
        }
        return extra
    }

    /// One dropout probability for everything, or the encoder config's (hidden / attention) and 0.1 for the heads.
    static func dropoutRates(options o: TransformerTrainingOptions, configJSON: [String: Any]) -> DropoutRates {
        if let p = o.dropout { return DropoutRates(hidden: p, attention: p, head: p) }
        let hidden = (configJSON["hidden_dropout_prob"] ?? configJSON["dropout"]) as? Double ?? 0.1
        let attention = (configJSON["attention_probs_dropout_prob"] ?? configJSON["attention_dropout"]) as? Double ?? 0.1
        return DropoutRates(hidden: Float(hidden), attention: Float(attention), head: 0.1)
    }

    // MARK: - Epoch

    /// Trains 0-based `epoch`: the training rows in a seeded shuffle, one AdamW update per batch (warm-up and decay,
    /// clipping), then validates. Reports every update.
    mutating func epoch(_ epoch: Int, progress: (TransformerTrainingProgress) -> Void) throws -> EpochRecord {
        let o = options
        let t0 = Date()
        var order = Array(trainIds.indices)
        var shuffleRNG = SplitMix64(seed: o.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(epoch + 1))
        order.shuffle(using: &shuffleRNG)
        var lossSum: Double = 0, batches = 0, sequences = 0
        for b in stride(from: 0, to: order.count, by: o.batchSize) {
            let idx = Array(order[b..<min(order.count, b + o.batchSize)])
            let labels = trainLabels.map { head in idx.map { head[$0] } }
            model.zeroGrad()
            var rng = SplitMix64(seed: (o.seed &+ 1) &* 0xD1B5_4A32_D192_ED03 &+ UInt64(optimizer.step))
            let loss = try model.forwardBackward(idx.map { trainIds[$0] }, labels: labels, classWeights: classWeights,
                                                 headWeights: headWeights, dropout: dropout, rng: &rng,
                                                 freezeEncoder: o.freezeEncoder)
            let lr = o.learningRate * linearWarmupDecay(step: optimizer.step, warmup: warmupSteps, total: totalSteps)
            model.update(optimizer, lr: lr, clip: o.clipNorm, freezeEncoder: o.freezeEncoder)
            lossSum += Double(loss); batches += 1; sequences += idx.count; stepsThisRun += 1
            progress(.step(epoch: epoch + 1, step: optimizer.step, of: totalSteps, loss: Float(lossSum / Double(batches)),
                           sequencesPerSecond: Double(sequences) / max(1e-9, Date().timeIntervalSince(t0)),
                           etaSeconds: secondsLeft))
        }
        let seconds = Date().timeIntervalSince(t0)
        let report = try TransformerTrainer.validate(classifier, valid, validEncodings)
        return EpochRecord(epoch: epoch + 1, trainLoss: lossSum / Double(max(1, batches)), seconds: seconds,
                           sequencesPerSecond: Double(sequences) / max(1e-9, seconds), validation: report,
                           meanMacroF1: EvaluationReport.meanMacroF1(heads.compactMap { report[$0.name]?.macroF1 }))
    }

    /// Estimated seconds to the end of training at this run's pace (validation excluded).
    var secondsLeft: Double {
        Date().timeIntervalSince(runStart) / Double(max(1, stepsThisRun)) * Double(totalSteps - optimizer.step)
    }

    // MARK: - Checkpoint

    /// Records the epoch; when it is the best so far by mean validation macro-F1, writes it as the checkpoint in
    /// `out`. Then saves the resumable state and the report. Returns whether the epoch was the best.
    mutating func checkpoint(_ record: EpochRecord) throws -> Bool {
        state.history.append(record)
        state.epochsDone = record.epoch
        let best = record.meanMacroF1 > state.bestMeanMacroF1
        if best {
            state.bestMeanMacroF1 = record.meanMacroF1; state.bestEpoch = record.epoch
            try model.writeCheckpoint(to: out, configJSON: configJSON, version: version, extra: extra,
                                      tokenizerSource: start)
        }
        try model.saveTrainerState(to: stateDirectory, optimizer: optimizer, file: state, configJSON: configJSON,
                                   version: version, extra: extra, tokenizerSource: start)
        try TransformerTrainer.writeReport(state, to: out)
        return best
    }
}
