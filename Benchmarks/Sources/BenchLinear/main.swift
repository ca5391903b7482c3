// BenchLinear: the executable behind Benchmarks/bench-linear (linear model vs the TF-IDF peer, per head).
// Usage (via the script): BenchLinear DATASETS_DIR PEER_OUTPUT_FILE
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomLinear
import MailroomSampleData

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: BenchLinear DATASETS_DIR PEER_OUTPUT_FILE\n".utf8))
    exit(2)
}
let datasetsDir = arguments[1]
let environment = ProcessInfo.processInfo.environment

/// Training options: the library defaults with per-head cross-validation on, overridable with LINEAR_* variables.
func options() -> LinearTrainingOptions {
    var o = LinearTrainingOptions()
    if let v = environment["LINEAR_EPOCHS"].flatMap(Int.init) { o.epochs = v }
    if let v = environment["LINEAR_L2"].flatMap(Float.init) { o.l2 = v }
    if let v = environment["LINEAR_BUCKETS"].flatMap(Int.init) { o.buckets = v }
    if let v = environment["LINEAR_SEED"].flatMap(UInt64.init) { o.seed = v }
    if let v = environment["LINEAR_WORD_MAX"].flatMap(Int.init) { o.wordNGrams = 1...v }
    if let v = environment["LINEAR_CHAR"]?.split(separator: "-").compactMap({ Int($0) }), v.count == 2 {
        o.charNGrams = v[0]...v[1]
    }
    if let v = environment["LINEAR_FIRST_LINE"] { o.firstLineWords = v == "1" }
    if let v = environment["LINEAR_FLW"].flatMap(Double.init) { o.firstLineWeight = v }
    if let v = environment["LINEAR_MIN_DF"].flatMap(Int.init) { o.minDocumentFrequency = v }
    if let v = environment["LINEAR_THREADS"].flatMap(Int.init) { o.threads = v }
    if let v = environment["LINEAR_NB"].flatMap(Double.init) { o.naiveBayesScaling = v }
    // Per-head penalty and naive-Bayes scaling by 3-fold CV on the training rows (`--select-by-cv`): on in the
    // bench. LINEAR_L2_GRID=off keeps the fixed penalty, LINEAR_NB_GRID=off the fixed scaling; both off: no CV.
    var grid = CrossValidationGrid.standard
    if let v = environment["LINEAR_L2_GRID"] {
        grid.penalties = v == "off" ? [] : v.split(separator: ",").compactMap { Float($0) }
    }
    if let v = environment["LINEAR_NB_GRID"] {
        grid.naiveBayesExponents = v == "off" ? [] : v.split(separator: ",").compactMap { Double($0) }
    }
    if let v = environment["LINEAR_FOLDS"].flatMap(Int.init) { grid.folds = v }
    if let v = environment["LINEAR_EDGE"].flatMap(Int.init) { grid.edgeExtensions = v }
    o.crossValidation = grid.penalties.isEmpty && grid.naiveBayesExponents.isEmpty ? nil : grid
    return o
}

/// Peer results parsed from tfidf_baseline.py's lines: dataset → (seconds, head → macro-F1).
func peerResults(_ path: String) -> [String: (seconds: Double, heads: [String: Double])] {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
    var out: [String: (Double, [String: Double])] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.components(separatedBy: " | ")
        let first = parts[0].split(separator: " ")
        guard let name = first.first,
              let sec = first.first(where: { $0.hasPrefix("seconds=") }).flatMap({ Double($0.dropFirst(8)) })
        else { continue }
        var heads: [String: Double] = [:]
        for p in parts.dropFirst() {
            let head = p.split(separator: ":")[0]
            if let f = p.components(separatedBy: "macroF1=").last.flatMap({ Double($0) }) { heads[String(head)] = f }
        }
        out[String(name)] = (sec, heads)
    }
    return out
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func f3(_ x: Double) -> String { String(format: "%.3f", x) }

let peer = peerResults(arguments[2])
let o = options()
let cv = o.crossValidation.map { g in
    "l2 grid \(g.penalties.isEmpty ? "off" : "\(g.penalties)"), naive-Bayes grid "
        + "\(g.naiveBayesExponents.isEmpty ? "off" : "\(g.naiveBayesExponents)") by \(g.folds)-fold CV on train rows, "
        + "edge extensions \(g.edgeExtensions)"
} ?? "off"
print("linear options: words=\(o.wordNGrams) chars=\(o.charNGrams) min_df=\(o.minDocumentFrequency) first_line=\(o.firstLineWords ? "\(o.firstLineWeight)" : "off") buckets=\(o.buckets) epochs=\(o.epochs) l2=\(o.l2) "
      + "naive_bayes=\(o.naiveBayesScaling) cv=\(cv) weighting=\(o.classWeighting.rawValue) seed=\(o.seed)")
print("| dataset | head | peer macro-F1 | linear macro-F1 | linear − peer | linear accuracy | peer train s | linear train s |")
print("|---|---|---|---|---|---|---|---|")
var worst = Double.infinity
let datasets = environment["LINEAR_DATASETS"].map { $0.split(separator: ",").map(String.init) }
    ?? ["germeval2017", "tickets", "banking77"]
let datasetList = datasets.filter { !$0.isEmpty && $0 != "none" }
let verbose = environment["LINEAR_VERBOSE"] == "1"
for dataset in datasetList {
    let rows = try JSONL.read(DatasetRow.self, from: "\(datasetsDir)/\(dataset)/train.jsonl")
    let train = rows.filter { !$0.isValidation }, validation = rows.filter(\.isValidation)
    let start = Date()
    // Validation rows are not passed to the trainer: no model selection on the rows we report.
    let model = try LinearTrainer.train(rows: train, options: o, version: "bench") { p in
        let at = String(format: "%.1f", Date().timeIntervalSince(start))
        switch p {
        case .penaltyChosen(let h, let c):
            let scores = c.scores.keys.sorted().map { "\($0):\(f3(c.scores[$0]!))" }.joined(separator: " ")
            let nb = c.naiveBayesScores.keys.sorted().map { "\($0):\(f3(c.naiveBayesScores[$0]!))" }.joined(separator: " ")
            print("  \(dataset)/\(h): CV chose l2=\(c.l2) naive-Bayes γ=\(c.naiveBayes) (train-row CV macro-F1 by l2 "
                  + "\(scores); best by γ \(nb)) at \(at) s")
        case .iteration(let h, let iteration, let most, let loss) where verbose:
            print("  \(dataset) \(h) iteration \(iteration)/\(most) loss \(f3(loss)) \(at) s")
        default: break
        }
    }
    let seconds = Date().timeIntervalSince(start)
    if verbose { print("  \(dataset): \(model.featureCount) features kept") }
    let report = try Evaluator.evaluate(classifier: model, rows: validation, batchSize: 256)
    let p = peer[dataset]
    for head in report.heads {
        let ours = head.metrics.macro.f1
        let theirs = p?.heads[head.name]
        if let t = theirs { worst = min(worst, ours - t) }
        print("| \(dataset) | \(head.name) | \(theirs.map(f3) ?? "–") | \(f3(ours)) | "
              + "\(theirs.map { String(format: "%+.3f", ours - $0) } ?? "–") | \(f3(head.metrics.accuracy)) | "
              + "\(p.map { String(format: "%.1f", $0.seconds) } ?? "–") | \(String(format: "%.1f", seconds)) |")
    }
}
if worst.isFinite { print("worst head difference (linear − peer): \(String(format: "%+.3f", worst))") }

// Generated sample data: the product's own demo set (6000 emails, seed 42, 15 % validation).
let sampleCount = environment["LINEAR_SAMPLE_COUNT"].flatMap(Int.init) ?? 6000
if sampleCount > 0 {
    let rows = SampleDataGenerator.dataset(count: sampleCount, seed: 42, validationFraction: 0.15)
    let start = Date()
    let model = try LinearTrainer.train(rows: rows.filter { !$0.isValidation }, options: o, version: "bench")
    let seconds = Date().timeIntervalSince(start)
    let report = try Evaluator.evaluate(classifier: model, rows: rows.filter(\.isValidation), batchSize: 256)
    print("\nGenerated sample data (\(sampleCount) emails, seed 42; train \(rows.count - report.rowCount), "
          + "validation \(report.rowCount); train \(String(format: "%.1f", seconds)) s):")
    print("| head | labels | linear macro-F1 | linear accuracy |\n|---|---|---|---|")
    for head in report.heads {
        print("| \(head.name) | \(head.metrics.labels.count) | \(f3(head.metrics.macro.f1)) | \(f3(head.metrics.accuracy)) |")
    }
}
