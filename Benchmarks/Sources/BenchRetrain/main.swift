// BenchRetrain: simulated months of the learning loop on generated data with drift. Month 0 trains a champion on
// the history; every later month brings new emails (the topic mix drifts, and from month 3 the agents relabel
// the most common topic into a new class), which are scored first by the never-retrained model and by the model
// served that month, then fed back as closed cases; `mailroom retrain`'s library (Retrainer) trains the next
// month's model with the champion's recipe, and the simulation approves and promotes it.
//
//   BenchRetrain [SEEDS=3] [MONTHS=6] [HISTORY=1500] [PER_MONTH=600] [WORK_DIR]
// Prints, per month and head, macro-F1 of both models averaged over the seeds, the difference, and a paired
// bootstrap 95 % interval of the difference (1000 resamples of the month's pooled rows over all seeds).
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomEvaluation
import MailroomModels
import MailroomRegistry
import MailroomRetraining
import MailroomSampleData
import MailroomStore
import MailroomTraining

let args = CommandLine.arguments
func arg(_ i: Int, _ fallback: Int) -> Int { args.count > i ? Int(args[i]) ?? fallback : fallback }
let seeds = arg(1, 3), months = arg(2, 6), historyCount = arg(3, 1500), perMonth = arg(4, 600)
let work = args.count > 5 ? args[5] : NSTemporaryDirectory() + "bench-retrain-\(getpid())"
let newLabel = "agents_new_topic", relabelFrom = 3
let cleaner = EmailCleaner()

/// Rows of one month: month 0 the pool's own mix; later months weight three "rising" topics up by 60 % a month.
func draw(_ pool: inout [String: [DatasetRow]], month: Int, count: Int, rising: [String], rng: inout SeededGenerator) -> [DatasetRow] {
    let topics = pool.keys.sorted()
    let weights = topics.map { t in Double(pool[t]!.count) * (rising.contains(t) ? pow(1.6, Double(month)) : 1) }
    var out: [DatasetRow] = []
    while out.count < count {
        let t = topics[rng.weightedIndex(weights)]
        guard let row = pool[t]?.popLast() else { continue }
        out.append(row)
    }
    return out
}

struct MonthRows { var truth: [String: [String]] = [:]; var baseline: [String: [String]] = [:]; var served: [String: [String]] = [:]; var labels: [String: Set<String>] = [:] }
var byMonth = [MonthRows](repeating: MonthRows(), count: months + 1)
var perSeed: [[String: (Double, Double)]] = Array(repeating: [:], count: months + 1)  // month → head → sum of (baseline, served) F1
let started = Date()

for seed in 0..<seeds {
    let dir = "\(work)/seed-\(seed)"
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    var rng = SeededGenerator(seed: UInt64(1000 + seed))
    var pool: [String: [DatasetRow]] = [:]
    for r in SampleDataGenerator.dataset(count: historyCount + perMonth * months * 3, seed: UInt64(seed + 1), validationFraction: 0) {
        pool[r.labels["topic"] ?? "", default: []].append(r)
    }
    let mostCommon = pool.max { $0.value.count < $1.value.count }!.key
    var risingRNG = SeededGenerator(seed: UInt64(77 + seed))
    let rising = Array(pool.keys.sorted().filter { $0 != mostCommon }.shuffled(using: &risingRNG).prefix(3))
    var history = draw(&pool, month: 0, count: historyCount, rising: rising, rng: &rng)
    for i in history.indices { history[i].split = StableSplit.split(id: history[i].id, validationFraction: 0.15) }
    try JSONL.write(history, to: "\(dir)/history.jsonl")

    var request = TrainingRequest(kind: .linear, dataPath: "\(dir)/history.jsonl", outputDirectory: "\(dir)/m0", version: "m0")
    request.linear.threads = 2
    _ = try ModelTraining.run(request)
    let registry = try ModelRegistry(directory: "\(dir)/registry")
    try registry.register(modelDirectory: "\(dir)/m0", by: "bench")
    _ = try registry.approve("m0", by: "bench", reason: nil)
    _ = try registry.promote("m0", by: "bench")
    let baseline = try ModelLoader.load(directory: "\(dir)/m0")
    let store = try FeedbackStore(path: "\(dir)/feedback.sqlite")

    for month in 1...months {
        var rows = draw(&pool, month: month, count: perMonth, rising: rising, rng: &rng)
        if month >= relabelFrom { for i in rows.indices where rows[i].labels["topic"] == mostCommon { rows[i].labels["topic"] = newLabel } }
        let served = try ModelLoader.load(directory: registry.modelDirectory(of: registry.serving().current!))
        let cleaned = rows.map { cleaner.prepare($0) }
        let b = try Evaluator.predictedLabels(classifier: baseline, rows: cleaned)
        let s = try Evaluator.predictedLabels(classifier: served, rows: cleaned)
        for (hi, head) in baseline.heads.enumerated() {
            guard let si = served.heads.firstIndex(where: { $0.name == head.name }) else { continue }
            let truth = cleaned.map { $0.labels[head.name] ?? "" }
            let labels = Array(Set(truth).union(head.labels).union(served.heads[si].labels)).sorted()
            let fb = ClassificationMetrics.compute(truth: truth, predicted: b[hi], labels: labels).macro.f1
            let fs = ClassificationMetrics.compute(truth: truth, predicted: s[si], labels: labels).macro.f1
            let old = perSeed[month][head.name] ?? (0, 0)
            perSeed[month][head.name] = (old.0 + fb, old.1 + fs)
            byMonth[month].truth[head.name, default: []] += truth
            byMonth[month].baseline[head.name, default: []] += b[hi]
            byMonth[month].served[head.name, default: []] += s[si]
            byMonth[month].labels[head.name, default: []].formUnion(labels)
        }
        // The month's cases close with the agents' labels.
        for (i, row) in cleaned.enumerated() {
            let email = CleanedEmail(id: row.id, subject: row.subject, text: row.body, language: row.language)
            try store.record(email: email, assignment: Assignment(id: row.id, assignedQueue: "q", needsReview: false, lowConfidenceHeads: [],
                                                                  prediction: Prediction(id: row.id, modelVersion: "m\(month - 1)", heads: [:])))
            try store.record(Outcome(id: row.id, labels: row.labels, closedAt: String(format: "2026-%02d-15T00:00:%02dZ", month, i % 60)))
        }
        var retrain = RetrainRequest(registry: "\(dir)/registry", database: "\(dir)/feedback.sqlite", history: "\(dir)/history.jsonl",
                                     workDirectory: "\(dir)/retrain-m\(month)", version: "m\(month)", by: "bench")
        retrain.options.holdoutDays = 20  // this month's cases: the comparison the operator would read
        let result = try Retrainer.run(retrain)
        let verdicts = result.comparison.heads.map { "\($0.head): \($0.verdict) (b \($0.mcnemar.championOnly), c \($0.mcnemar.candidateOnly))" }
        FileHandle.standardError.write(Data("I: seed \(seed) month \(month): m\(month) vs m\(month - 1) on this month's cases: \(verdicts.joined(separator: "; "))\n".utf8))
        _ = try registry.approve("m\(month)", by: "bench", reason: "simulated approval")
        _ = try registry.promote("m\(month)", by: "bench")
    }
}

/// Paired bootstrap 95 % interval of macro-F1(served) − macro-F1(baseline) over the pooled rows.
func interval(_ m: MonthRows, head: String) -> (Double, Double) {
    let b = PairedBootstrap.macroF1Difference(truth: m.truth[head]!, baseline: m.baseline[head]!, candidate: m.served[head]!,
                                              labels: Array(m.labels[head]!).sorted())
    return (b.lower, b.upper)
}

print("simulated months: \(seeds) seeds, history \(historyCount) rows, \(perMonth) emails a month, topic mix drifting, agents' new topic from month \(relabelFrom)")
print("| month | head | macro-F1 never retrained | macro-F1 retrained monthly | difference | 95 % paired bootstrap |")
print("|---:|---|---:|---:|---:|---|")
for month in 1...months {
    for head in perSeed[month].keys.sorted() {
        let (sb, ss) = perSeed[month][head]!
        let mb = sb / Double(seeds), ms = ss / Double(seeds)
        let (lo, hi) = interval(byMonth[month], head: head)
        print(String(format: "| %d | %@ | %.3f | %.3f | %+.3f | [%+.3f, %+.3f] |", month, head, mb, ms, ms - mb, lo, hi))
    }
}
print(String(format: "%.0f s in all", Date().timeIntervalSince(started)))
