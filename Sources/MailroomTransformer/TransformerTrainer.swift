// TransformerTrainer: multi-task fine-tuning of a BERT/DistilBERT encoder with one head per label set (the recipe of
// ../shared/reference/hf_multitask_reference.py): AdamW, linear warm-up and decay, clipping, dropout, validation per
// epoch keeping the best checkpoint by mean macro-F1, resumable state. The run's steps are in TransformerTrainingRun.
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
    ///   - encoder: a bare HF encoder directory (heads are created from the data's labels, ``HeadSpec/heads(of:)``)
    ///     or an existing Mailroom checkpoint (its heads are kept; the data's labels must be among them).
    ///   - rows: training rows; a row without a label for a head does not train that head.
    ///   - validation: validation rows; empty: a seeded `validationFraction` of `rows` is held out.
    ///   - progress: called after every update and after each epoch's validation and checkpoint.
    public static func train(encoder: String, rows: [DatasetRow], validation: [DatasetRow],
                             options: TransformerTrainingOptions, version: String, out: String,
                             progress: (TransformerTrainingProgress) -> Void) throws -> TransformerTrainingSummary {
        var run = try TransformerTrainingRun.prepare(encoder: encoder, rows: rows, validation: validation,
                                                     options: options, version: version, out: out)
        for epoch in run.epochsThisRun {
            let record = try run.epoch(epoch, progress: progress)
            let best = try run.checkpoint(record)
            progress(.epochFinished(record, isBest: best))
        }
        return run.summary
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
