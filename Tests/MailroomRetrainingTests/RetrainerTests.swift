// RetrainerTests: `mailroom retrain`'s library end to end on generated data, with real training, a real registry
// and a real feedback store: the agents introduce a topic label the champion lacks, the candidate learns it from
// closed cases, and the paired comparison on the most recent cases says so with McNemar's counts.
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomModels
import MailroomRegistry
import MailroomSampleData
import MailroomStore
import MailroomTraining
import Testing
@testable import MailroomRetraining

@Suite("Retrainer", .serialized)
struct RetrainerTests {
    @Test func aCandidateLearnsTheAgentsNewLabelAndTheComparisonShowsIt() throws {
        let work = NSTemporaryDirectory() + "mailroom-retrain-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        func at(_ name: String) -> String { (work as NSString).appendingPathComponent(name) }

        // The champion: a linear model on 800 history rows, served from the registry.
        let history = SampleDataGenerator.dataset(count: 800, seed: 1, validationFraction: 0.15)
        try JSONL.write(history, to: at("history.jsonl"))
        var request = TrainingRequest(kind: .linear, dataPath: at("history.jsonl"), outputDirectory: at("champion"), version: "champ-1")
        request.linear.epochs = 40
        _ = try ModelTraining.run(request)
        let registry = try ModelRegistry(directory: at("registry"))
        try registry.register(modelDirectory: at("champion"), by: "test")
        _ = try registry.approve("champ-1", by: "test", reason: nil)
        _ = try registry.promote("champ-1", by: "test")

        // Closed cases: 500 later emails as served (cleaned), where the agents relabel the most common topic.
        let later = SampleDataGenerator.dataset(count: 500, seed: 2, validationFraction: 0)
        var topicCounts: [String: Int] = [:]
        for r in later { topicCounts[r.labels["topic"]!, default: 0] += 1 }
        let relabelled = topicCounts.max { $0.value < $1.value }!.key
        let store = try FeedbackStore(path: at("feedback.sqlite"))
        let cleaner = EmailCleaner()
        for (i, row) in later.enumerated() {
            let served = cleaner.prepare(row)
            let email = CleanedEmail(id: row.id, subject: served.subject, text: served.body, language: row.language)
            let prediction = Prediction(id: row.id, modelVersion: "champ-1", heads: [:])
            try store.record(email: email, assignment: Assignment(id: row.id, assignedQueue: "q", needsReview: false,
                                                                  lowConfidenceHeads: [], prediction: prediction))
            var labels = row.labels
            if labels["topic"] == relabelled { labels["topic"] = "agents_new_topic" }
            try store.record(Outcome(id: row.id, labels: labels, closedAt: String(format: "2026-11-01T00:%02d:%02dZ", i / 60, i % 60)))
        }

        var retrain = RetrainRequest(registry: at("registry"), database: at("feedback.sqlite"), history: at("history.jsonl"),
                                     workDirectory: at("retrain"), version: "cand-1", by: "test")
        retrain.options.holdoutFraction = 0.3
        let result = try Retrainer.run(retrain)

        #expect(result.record.status == .pending && result.record.version == "cand-1")
        #expect(result.summary.holdoutRows == 150 && result.summary.sources["closed cases"] == 350)
        #expect(result.summary.labelChanges.first { $0.head == "topic" }?.added["agents_new_topic"] ?? 0 >= 20)
        #expect(result.summary.parameters["epochs"] == "40", "the champion's recipe")
        let candidate = try ModelLoader.load(directory: registry.modelDirectory(of: "cand-1"))
        #expect(candidate.heads.first { $0.name == "topic" }?.labels.contains("agents_new_topic") == true)

        let topic = try #require(result.comparison.heads.first { $0.head == "topic" })
        #expect(topic.mcnemar.rows == 150)
        #expect(topic.labelsNewToChampion == ["agents_new_topic"])
        #expect(topic.candidate.accuracy > topic.champion.accuracy + 0.05, "champion \(topic.champion.accuracy), candidate \(topic.candidate.accuracy)")
        #expect(topic.mcnemar.candidateOnly > topic.mcnemar.championOnly)
        #expect(topic.verdict == "candidate significantly better", "\(topic.mcnemar)")
        #expect(result.comparison.heads.map(\.head).sorted() == ["line_of_business", "queue", "topic"])

        // The evidence travels with the version; a second run while one holds the lock is refused.
        let evidence = (registry.modelDirectory(of: "cand-1") as NSString).appendingPathComponent("evidence")
        for name in ["comparison.json", "comparison.md", "comparison.html", "retraining.json", "label-changes.md"] {
            #expect(FileManager.default.fileExists(atPath: (evidence as NSString).appendingPathComponent(name)), "\(name) missing")
        }
        // retrain-status.json: each run recorded at its end; /metrics reads it.
        let ok = try RetrainStatus.read(registry: at("registry"))
        #expect(ok.outcome == .ok && ok.runs == 1 && ok.failures == 0 && ok.candidate == "cand-1" && ok.error == nil)
        #expect(ok.lastSuccessAt == ok.finishedAt && (ok.startedAt ?? 0) <= (ok.finishedAt ?? 0))
        #expect(throws: RegistryError.alreadyRegistered("cand-1"), "a registered version is refused before any training") {
            try Retrainer.run(retrain)
        }
        let failed = try RetrainStatus.read(registry: at("registry"))
        #expect(failed.outcome == .failed && failed.runs == 2 && failed.failures == 1)
        #expect(failed.error == "\(RegistryError.alreadyRegistered("cand-1"))" && failed.lastSuccessAt == ok.lastSuccessAt)
        var wrongStore = retrain
        wrongStore.version = "cand-3"; wrongStore.database = at("no-such.sqlite")
        #expect(throws: RetrainingError.noFeedbackStore(path: at("no-such.sqlite"))) { try Retrainer.run(wrongStore) }
        #expect(!FileManager.default.fileExists(atPath: at("no-such.sqlite")), "a mistyped store path must not be created")
        let lock = try RetrainLock(registry: at("registry"))
        defer { lock.release() }
        retrain.version = "cand-2"
        #expect {
            try Retrainer.run(retrain)
        } throws: { error in
            guard case RetrainingError.alreadyRunning(let pid, _, _) = error else { return false }
            return pid == getpid()
        }
        let afterRefusal = try RetrainStatus.read(registry: at("registry"))
        #expect(afterRefusal.runs == 3 && afterRefusal.failures == 2 && afterRefusal.candidate == "cand-3",
                "a run refused by the lock leaves the status of the run that holds it")
    }
}
