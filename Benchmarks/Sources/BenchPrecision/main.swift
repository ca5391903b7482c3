// BenchPrecision: the quality of one fine-tuned transformer checkpoint at each precision. On the validation rows
// of a dataset JSONL (the rows the checkpoint was not trained on), macro-F1 per head at fp32, int8 and bf16 (those
// this CPU has kernels for), the share of labels equal to fp32's, and a paired bootstrap 95 % interval of
// macro-F1(narrow) − macro-F1(fp32) over the rows (1000 resamples, seed 2026). Each QUANTIZED_DIR (a
// `mailroom quantize` copy of MODEL_DIR) runs at the precision its config.json says and is compared to MODEL_DIR
// at fp32 the same way.
// Usage: BenchPrecision MODEL_DIR DATA.jsonl [THREADS=2] [QUANTIZED_DIR ...]
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomTransformer

BLASRuntime.reexecWithBetterKernelsIfNeeded()
let args = CommandLine.arguments
guard args.count >= 3 else {
    FileHandle.standardError.write(Data("usage: BenchPrecision MODEL_DIR DATA.jsonl [THREADS]\n".utf8)); exit(2)
}
let threads = args.count > 3 ? Int(args[3]) ?? 2 : 2
let rows = try JSONL.read(DatasetRow.self, from: args[2]).filter(\.isValidation)
guard !rows.isEmpty else { FileHandle.standardError.write(Data("no validation rows in \(args[2])\n".utf8)); exit(2) }

/// A run: MODEL_DIR at fp32 / int8 / bf16 (quantized at load), or a quantized copy at its own precision.
struct Run: Hashable { let name: String, directory: String, precision: Precision? }
var runs = Precision.allCases.map { Run(name: $0.rawValue, directory: args[1], precision: $0) }
for d in args.dropFirst(4) { runs.append(Run(name: (d as NSString).lastPathComponent, directory: d, precision: nil)) }
let fp32 = runs[0]
var labels: [Run: [[String]]] = [:], seconds: [Run: Double] = [:], kernels: [Run: String] = [:]
var heads: [HeadSpec] = []
for run in runs {
    let model = try TransformerClassifier.load(directory: run.directory, threads: threads, precision: run.precision)
    if let p = run.precision, model.precision != p.rawValue { print("\(p): no kernel on this CPU, skipped"); continue }
    if run == fp32 { heads = model.heads } else if model.heads != heads { print("\(run.name): other heads than the model, skipped"); continue }
    try model.warmUp()
    let start = Date()
    labels[run] = try Evaluator.predictedLabels(classifier: model, rows: rows)
    seconds[run] = Date().timeIntervalSince(start)
    kernels[run] = model.encoder.quantization.summary
}

/// Rows carrying head `h`'s label: (truth, predicted at each precision).
@MainActor func scored(_ h: Int) -> (truth: [String], by: [Run: [String]]) {
    var truth: [String] = [], by: [Run: [String]] = [:]
    for (r, row) in rows.enumerated() {
        guard let t = row.labels[heads[h].name] else { continue }
        truth.append(t)
        for (p, l) in labels { by[p, default: []].append(l[h][r]) }
    }
    return (truth, by)
}

func f1(_ truth: [String], _ guess: [String], _ labels: [String]) -> Double {
    ClassificationMetrics.compute(truth: truth, predicted: guess, labels: labels).macro.f1
}

print("model \(args[1]), \(rows.count) validation rows of \(args[2]), \(threads) threads")
for run in runs where kernels[run] != nil {
    print(String(format: "%@: %@, %.1f s for the rows (%.1f rows/s)", run.name, kernels[run]!, seconds[run]!, Double(rows.count) / seconds[run]!))
}
print("| head | rows | fp32 macro-F1 | run | macro-F1 | Δ (points) | 95 % paired bootstrap of Δ | labels equal to fp32 |")
print("|---|---:|---:|---|---:|---:|---|---:|")
for h in heads.indices {
    let (truth, by) = scored(h)
    guard let base = by[fp32], !truth.isEmpty else { continue }
    let all = heads[h].labels
    let b = f1(truth, base, all)
    for run in runs.dropFirst() {
        guard let g = by[run] else { continue }
        let v = f1(truth, g, all)
        let (lo, hi) = PairedBootstrap.macroF1Difference(truth: truth, baseline: base, candidate: g, labels: all)
        let same = Double(zip(g, base).filter { $0 == $1 }.count) / Double(g.count)
        print(String(format: "| %@ | %d | %.4f | %@ | %.4f | %+.2f | [%+.2f, %+.2f] | %.2f %% |", heads[h].name, truth.count, b,
                     run.name, v, 100 * (v - b), 100 * lo, 100 * hi, 100 * same))
    }
}
