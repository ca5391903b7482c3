// Retrainer: `mailroom retrain`, one command and the same code a schedule runs. Under a lock it builds the
// retraining set (history + closed cases), trains the candidate with the champion's recipe, scores both on the
// held-out recent closed cases (PairedComparison), keeps the evidence in the model directory and registers the
// candidate as pending. A person then reads `mailroom registry show VERSION` and approves or rejects.
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomEvaluation
import MailroomModels
import MailroomRegistry
import MailroomStore
import MailroomTraining

public struct RetrainRequest: Sendable {
    public var registry: String
    public var database: String
    /// The history dataset (JSONL, raw emails with labels); nil trains on closed cases only.
    public var history: String?
    /// Where the set, the candidate's model and its evidence are written.
    public var workDirectory: String
    public var version: String
    public var options = RetrainingOptions()
    public var alpha = 0.05
    /// Fewest held-out rows of a head for McNemar's test to give a verdict.
    public var minimumRows = 30
    /// Training parameters that replace the champion's (e.g. `epochs=8`), and another kind if set.
    public var overrides: [String: String] = [:]
    public var kind: String?
    public var by: String

    public init(registry: String, database: String, history: String?, workDirectory: String, version: String, by: String) {
        self.registry = registry; self.database = database; self.history = history
        self.workDirectory = workDirectory; self.version = version; self.by = by
    }
}

/// What the retrain did, written as `evidence/retraining.json` beside the comparison.
public struct RetrainSummary: Codable, Sendable, Equatable {
    public var candidate: String
    public var champion: String
    public var kind: String
    public var dataSHA256: String
    public var trainRows: Int
    public var holdoutRows: Int
    public var sources: [String: Int]
    public var labelCounts: [String: [String: Int]]
    public var labelChanges: [LabelChange]
    /// Held-out cases are those closed at or after this time.
    public var holdoutFrom: String
    public var parameters: [String: String]
    public var notes: [String]
}

public enum Retrainer {
    /// The evidence folder inside a candidate's model directory (copied into the registry with it).
    public static let evidenceFolder = "evidence"

    /// A candidate's default version: `retrain-` and the UTC time, e.g. `retrain-20261203T080000`.
    public static func defaultVersion(at date: Date = Date()) -> String { ModelTraining.defaultVersion(prefix: "retrain", at: date) }

    /// Runs one retrain under the registry's lock, recording it in ``RetrainStatus`` (`REGISTRY/retrain-status.json`):
    /// `running` once the lock is held, then `ok` or `failed` with the error's message. A run refused by the lock
    /// (``RetrainingError/alreadyRunning(pid:since:lock:)``) leaves the status of the run that holds it alone.
    public static func run(_ r: RetrainRequest, progress: (String) -> Void = { _ in },
                           training: (TrainingEvent) -> Void = { _ in }) throws -> (summary: RetrainSummary, comparison: PairedComparison, record: VersionRecord) {
        let lock = try RetrainLock(registry: r.registry)
        defer { lock.release() }
        var previous = RetrainStatus()
        do { previous = try RetrainStatus.read(registry: r.registry) } catch { progress("note: \(error); counting runs afresh") }
        let status = previous.started(candidate: r.version)
        try status.write(registry: r.registry)
        do {
            let result = try runLocked(r, progress: progress, training: training)
            try status.finished(error: nil).write(registry: r.registry)
            return result
        } catch {
            try? status.finished(error: "\(error)").write(registry: r.registry)
            throw error
        }
    }

    /// The retrain itself; the caller holds the lock.
    private static func runLocked(_ r: RetrainRequest, progress: (String) -> Void,
                                  training: (TrainingEvent) -> Void) throws -> (summary: RetrainSummary, comparison: PairedComparison, record: VersionRecord) {
        let registry = try ModelRegistry(directory: r.registry)
        guard let championVersion = registry.serving().current else { throw RetrainingError.noChampion(registry: r.registry) }
        // Before any work: a version the registry has already cannot be registered again.
        if (try? registry.record(r.version)) != nil { throw RegistryError.alreadyRegistered(r.version) }
        let championRecord = try registry.record(championVersion)
        let champion = try ModelLoader.load(directory: registry.modelDirectory(of: championVersion))
        progress("champion \(championVersion) (\(champion.kind)): its recipe trains the candidate")

        // Opening a store creates it: a mistyped path must not pass for "no closed cases yet".
        guard StoreLocation(r.database).mayExist else { throw RetrainingError.noFeedbackStore(path: r.database) }
        let closed = try FeedbackStore(path: r.database).closedCases()
        var history: [DatasetRow] = []
        if let path = r.history {
            let cleaner = EmailCleaner()
            history = try JSONL.read(DatasetRow.self, from: path).map { cleaner.prepare($0) }
        }
        progress("\(history.count) history rows, \(closed.count) closed cases")
        let set = try RetrainingSet.build(history: history, closed: closed, champion: champion.heads, options: r.options)

        try FileManager.default.createDirectory(atPath: r.workDirectory, withIntermediateDirectories: true)
        func at(_ name: String) -> String { (r.workDirectory as NSString).appendingPathComponent(name) }
        try JSONL.write(set.train, to: at("data.jsonl"))
        try JSONL.write(set.holdout, to: at("holdout.jsonl"))
        let dataSHA256 = try SHA256Digest.file(at("data.jsonl"))
        progress("training set: \(set.train.count) rows (sha256 \(dataSHA256.prefix(12))…); held out: \(set.holdout.count) recent closed cases")

        var recipe = championRecord.training ?? TrainingRecord(kind: champion.kind, dataPath: "", dataSHA256: "", dataRows: 0, trainRows: 0,
                                                              validationRows: 0, encoder: nil, parameters: [:], startedAt: "", finishedAt: "")
        if let kind = r.kind { recipe.kind = kind }
        recipe.parameters.merge(r.overrides) { $1 }
        let modelDirectory = at("model")
        let (request, notes) = Recipe.request(from: recipe, data: at("data.jsonl"), out: modelDirectory, version: r.version)
        for n in notes { progress("note: \(n)") }
        let outcome = try ModelTraining.run(request, progress: training)

        let candidate = try ModelLoader.load(directory: modelDirectory)
        let comparison = try PairedComparison.compare(champion: champion, candidate: candidate, rows: set.holdout,
                                                      alpha: r.alpha, minimumRows: r.minimumRows)
        let evidence = (modelDirectory as NSString).appendingPathComponent(evidenceFolder)
        try comparison.write(to: evidence)
        let summary = RetrainSummary(
            candidate: r.version, champion: championVersion, kind: request.kind.rawValue, dataSHA256: dataSHA256,
            trainRows: set.train.count, holdoutRows: set.holdout.count, sources: set.sources, labelCounts: set.labelCounts,
            labelChanges: set.labelChanges,
            holdoutFrom: ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(set.holdoutFromUnixMs) / 1000)),
            parameters: outcome.record.parameters, notes: notes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(summary).write(to: URL(fileURLWithPath: (evidence as NSString).appendingPathComponent("retraining.json")))
        try Data(labelChangesMarkdown(set.labelChanges).utf8).write(
            to: URL(fileURLWithPath: (evidence as NSString).appendingPathComponent("label-changes.md")))
        let record = try registry.register(modelDirectory: modelDirectory, by: r.by)
        progress("registered \(r.version) as pending; evidence in \(registry.modelDirectory(of: r.version))/\(evidenceFolder)")
        return (summary, comparison, record)
    }

    /// The label changes between the champion and the candidate, as Markdown.
    public static func labelChangesMarkdown(_ changes: [LabelChange]) -> String {
        guard !changes.isEmpty else { return "No label changes: the candidate has the champion's labels.\n" }
        var out = "| head | new classes | waiting (below the minimum) | renamed | retired | no longer in the data |\n|---|---|---|---|---|---|\n"
        func list(_ d: [String: Int]) -> String { d.isEmpty ? "–" : d.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ") }
        for c in changes {
            let renamed = c.renamed.isEmpty ? "–" : c.renamed.sorted { $0.key < $1.key }.map { "\($0.key) → \($0.value)" }.joined(separator: ", ")
            out += "| \(c.head) | \(list(c.added)) | \(list(c.waiting)) | \(renamed) | \(list(c.retired)) | \(c.gone.isEmpty ? "–" : c.gone.joined(separator: ", ")) |\n"
        }
        return out
    }
}
