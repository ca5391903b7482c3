// BenchTraining: fine-tunes the transformer on one dataset JSONL with Mailroom's trainer and prints per-head
// validation accuracy / macro-F1 and seconds per epoch in the reference script's line format.
// Usage: BenchTraining DATA.jsonl ENCODER_DIR OUT_DIR EPOCHS LR BATCH MAXLEN THREADS SEED
import Foundation
import MailroomCore
import MailroomTransformer

let a = CommandLine.arguments
guard a.count == 10 else {
    FileHandle.standardError.write("usage: BenchTraining DATA ENCODER OUT EPOCHS LR BATCH MAXLEN THREADS SEED\n".data(using: .utf8)!)
    exit(2)
}
BLASRuntime.reexecWithBetterKernelsIfNeeded()
let rows = try JSONL.read(DatasetRow.self, from: a[1])
var o = TransformerTrainingOptions()
o.epochs = Int(a[4])!; o.learningRate = Float(a[5])!; o.batchSize = Int(a[6])!; o.maxLength = Int(a[7])!
o.threads = Int(a[8])!; o.seed = UInt64(a[9])!
var last = Date.distantPast
let summary = try TransformerTrainer.train(encoder: a[2], rows: rows.filter { !$0.isValidation },
                                           validation: rows.filter(\.isValidation), options: o, version: "bench",
                                           out: a[3]) { p in
    switch p {
    case .epochFinished(let record, _):
        FileHandle.standardError.write("I: epoch \(record.epoch) validation mean macro-F1 \(String(format: "%.3f", record.meanMacroF1))\n".data(using: .utf8)!)
    case .step(let epoch, let step, let total, let loss, let sequencesPerSecond, let eta):
        guard Date().timeIntervalSince(last) > 10 else { return }
        last = Date()
        let line = String(format: "I: epoch %d step %d/%d loss %.4f %.1f seq/s ETA %.0f s\n", epoch, step, total, loss,
                          sequencesPerSecond, eta)
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }
}
for e in summary.history {
    print(String(format: "epoch %d: loss %.4f, %.0f s", e.epoch, e.trainLoss, e.seconds))
}
// Report the last epoch (the reference script reports its final model, not the best epoch).
let final = summary.history.last!
for h in summary.heads.map(\.name) {
    if let v = final.validation[h] {
        print(String(format: "validation %@: accuracy %.3f, macro-F1 %.3f", h, v.accuracy, v.macroF1))
    }
}
