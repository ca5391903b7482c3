// TrainingProgressPrinter: what `mailroom train` and `mailroom retrain` show while a model trains (stderr):
// row counts, per-head progress bars with the loss, cross-validation choices, transformer epochs.
import MailroomCore
import MailroomTraining

final class TrainingProgressPrinter {
    let data: String, cleaned: Bool, selectByCV: Bool, freezeEncoder: Bool, version: String
    private var bar: ProgressReporter?
    private var lastStep = 0

    init(data: String, cleaned: Bool, selectByCV: Bool, freezeEncoder: Bool, version: String) {
        self.data = data; self.cleaned = cleaned; self.selectByCV = selectByCV; self.freezeEncoder = freezeEncoder
        self.version = version
    }

    func show(_ event: TrainingEvent) {
        switch event {
        case .loaded(let train, let validation):
            note("train: \(train) training rows, \(validation) validation rows from \(data)\(cleaned ? " (cleaned)" : "")")
            if selectByCV {
                note("train: choosing each head's L2 penalty and naive-Bayes scaling by 3-fold cross-validation "
                     + "on the training rows (several fits per head before its final fit)")
            }
        case .encoder(let start):
            bar?.finish()   // a hybrid's linear part trained just before
            bar = nil
            note("train: transformer from \(start)\(freezeEncoder ? " (encoder frozen)" : "")")
        case .linear(.featuresBuilt(let features, let rows)):
            note("train: \(features) features kept from \(rows) training rows")
        case .linear(.headStarted):
            bar?.finish()
            bar = nil
        case .linear(.crossValidationFit(let head, let done, let total)):
            if bar == nil { bar = ProgressReporter(label: "cross-validate \(head)", total: total, unit: "fits") }
            bar?.update(done, total: total)
        case .linear(.penaltyChosen(let head, let choice)):
            bar?.finish()
            bar = nil
            note("train \(head): cross-validation chose l2 \(choice.l2), naive-Bayes scaling \(choice.naiveBayes)")
        case .linear(.iteration(let head, let iteration, let most, let loss)):
            if bar == nil { bar = ProgressReporter(label: "train \(head)", total: most, unit: "iterations") }
            bar?.update(iteration, extra: "loss \(String(format: "%.4f", loss))")
        case .transformer(.step(let epoch, let step, let total, let loss, let sequencesPerSecond, _)):
            if bar == nil { bar = ProgressReporter(label: "train", total: total, unit: "steps") }
            lastStep = step
            bar?.update(step, extra: "epoch \(epoch) loss \(String(format: "%.4f", loss)) \(String(format: "%.1f", sequencesPerSecond)) seq/s")
        case .transformer(.epochFinished(let record, let isBest)):
            bar?.update(lastStep, extra: "epoch \(record.epoch) loss \(String(format: "%.4f", record.trainLoss)) "
                        + "val macro-F1 \(String(format: "%.3f", record.meanMacroF1))\(isBest ? " (best)" : "")")
        case .transformerFinished(let summary):
            bar?.finish("best epoch \(summary.bestEpoch), mean validation macro-F1 \(String(format: "%.3f", summary.bestMeanMacroF1))")
            bar = nil
        case .calibrationSplit(let fit, let heldOut, let refit):
            note("train: calibration: a first fit on \(fit) training rows, holding out \(heldOut) to fit each head's temperature"
                 + (refit ? "; then the served model is trained on all of them" : "; that fit is the served model"))
        case .fieldsChosen(let head, let withFields, let textAlone, let reads):
            bar?.finish()
            bar = nil
            note("train \(head): macro-F1 on the held-out rows \(String(format: "%.3f", withFields)) with the fields, \(String(format: "%.3f", textAlone)) on the text alone: "
                 + (reads ? "reads the fields" : "reads the text alone"))
        case .selecting(let fold, let folds, let kind):
            bar?.finish()
            bar = nil
            note("train auto: fold \(fold)/\(folds): training \(kind.rawValue) on the other folds")
        case .selected(let choice):
            bar?.finish()
            bar = nil
            for s in choice.scores {
                let heads = s.heads.keys.sorted().map { "\($0) " + String(format: "%.3f ± %.3f", s.heads[$0]!, s.spread[$0]!) }
                note("train auto: \(s.kind.rawValue) mean macro-F1 " + String(format: "%.4f (", s.mean) + heads.joined(separator: ", ") + ")")
            }
            note("train auto: chose \(choice.chosen.rawValue): \(choice.reason)")
        case .blended(let head, let b):
            bar?.finish()
            bar = nil
            note("train \(head): blend on \(b.heldOutRows) held-out rows: linear weight \(String(format: "%.2f", b.linearWeight)) (least log-loss: linear \(String(format: "%.3f", b.linearLogLoss)), transformer \(String(format: "%.3f", b.transformerLogLoss)), hybrid \(String(format: "%.3f", b.blendLogLoss))); macro-F1 linear \(String(format: "%.3f", b.linearMacroF1)), transformer \(String(format: "%.3f", b.transformerMacroF1)), hybrid \(String(format: "%.3f", b.blendMacroF1))")
        case .calibrationSkipped(let why):
            note("train: calibration skipped: \(why)")
        case .calibrated(let calibration):
            bar?.finish()
            bar = nil
            for (head, c) in calibration.heads.sorted(by: { $0.key < $1.key }) { note("train \(head): \(c.summary)") }
        case .written(let directory):
            bar?.finish()
            bar = nil
            note("model \(version) written to \(directory)")
        }
    }
}
