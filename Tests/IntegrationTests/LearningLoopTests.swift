// LearningLoopTests: the whole learning loop on a running topology, with generated data: a first model that has
// never seen one topic; live emails; closed-case feedback where the agents rename a topic and introduce the unseen
// one as a new label; `mailroom retrain`; the pending candidate's comparison; the candidate in shadow on more live
// traffic; `registry compare` on the closed cases both predicted; approval with both kinds of evidence; promotion
// (predictions carry the new version and the new label); rollback. Every step asserts figures, not exit codes.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailroomStore
import MailroomTestSupport
import Testing

@Suite("Learning loop end to end", .serialized, .timeLimit(.minutes(10)))
struct LearningLoopTests {
    /// The topic the first model never saw: the agents' new label.
    static let newTopic = "savings_plan"
    /// The topic the agents rename (a label-map line tells retraining).
    static let renamed = ("exemption_order", "tax_exemption")

    @Test("retrain → pending with evidence → shadow → compare → approve → promote → rollback")
    func wholeLoop() async throws {
        let h = try Harness()
        defer { h.cleanUp() }

        // History without the new topic; the first model is trained on it and served.
        try h.mailroom(["sample", "--out", h.path("all-history.jsonl"), "--count", "1500", "--seed", "7"])
        let history = try rows(h.path("all-history.jsonl")).filter { ($0["labels"] as? [String: String])?["topic"] != Self.newTopic }
        try writeRows(history, to: h.path("history.jsonl"))
        try h.mailroom(["train", "--data", h.path("history.jsonl"), "--out", h.path("model-1"), "--model-version", "loop-1"])
        let registry = h.path("registry")
        try h.mailroom(["registry", "register", "--registry", registry, "--model", h.path("model-1"), "--by", "itest"])
        try h.mailroom(["registry", "approve", "loop-1", "--registry", registry, "--by", "itest"])
        try h.mailroom(["registry", "promote", "loop-1", "--registry", registry])
        let topology = try h.writeTopology(registry: registry)
        try h.mailroom(["topology", "up", topology, "--bin-dir", Harness.binDirectory])
        defer { _ = try? h.mailroom(["topology", "down", topology]) }
        #expect(try await h.eventually(60) { try await h.http("GET", "readyz").0 == 200 }, "gateway never became ready")
        let database = h.path("feedback.sqlite")

        // Month 1: live traffic, then the agents close every case with their labels.
        try h.mailroom(["sample", "--out", h.path("traffic.jsonl"), "--count", "900", "--seed", "11"])
        let traffic = try rows(h.path("traffic.jsonl"))
        let month1 = Array(traffic[0..<600]), month2 = Array(traffic[600...])
        try await send(month1, h: h, database: database)
        for (i, row) in month1.enumerated() {
            try await closeCase(row, day: 1 + i * 20 / month1.count, h: h)
        }
        #expect(try await h.eventually(30) { try FeedbackStore(path: database).counts().closed == month1.count },
                "not every outcome reached the feedback store")
        let served1 = try FeedbackStore(path: database).closedCases()
        #expect(served1.count == month1.count)
        #expect(served1.allSatisfy { $0.modelVersion == "loop-1" })
        #expect(!served1.contains { $0.predicted["topic"] == Self.newTopic }, "the first model cannot know the new topic")

        // Retrain: the candidate learns the new class and the rename, and is compared with the champion.
        try "topic \(Self.renamed.0) -> \(Self.renamed.1)\n".write(toFile: h.path("labels.map"), atomically: true, encoding: .utf8)
        let retrainOutput = try h.mailroom([
            "retrain", "--registry", registry, "--database", database, "--history", h.path("history.jsonl"),
            "--model-version", "loop-2", "--holdout-fraction", "0.3", "--min-new-label-rows", "15",
            "--label-map", h.path("labels.map"), "--by", "itest",
        ], timeout: 600)
        #expect(retrainOutput.contains("loop-2"))
        let record = try json(h.mailroom(["registry", "show", "loop-2", "--registry", registry]))
        #expect(record["status"] as? String == "pending")
        let evidence = (registry as NSString).appendingPathComponent("versions/loop-2/model/evidence")
        let offline = try json(String(contentsOfFile: evidence + "/comparison.json", encoding: .utf8))
        let offlineTopic = try #require(head("topic", in: offline))
        #expect(offline["rows"] as? Int == 180)  // 30 % of 600 closed cases
        #expect((offlineTopic["labelsNewToChampion"] as? [String])?.contains(Self.newTopic) == true)
        let (offlineB, offlineC) = try counts(offlineTopic)
        #expect(offlineC > offlineB, "the candidate should get more held-out topics right (b \(offlineB), c \(offlineC))")
        #expect(try accuracy(offlineTopic, "candidate") > accuracy(offlineTopic, "champion") + 0.05)
        let changes = try String(contentsOfFile: evidence + "/label-changes.md", encoding: .utf8)
        #expect(changes.contains(Self.newTopic) && changes.contains("\(Self.renamed.0) → \(Self.renamed.1)"))
        let candidateLabels = try topicLabels(registry: registry, version: "loop-2")
        #expect(candidateLabels.contains(Self.newTopic) && candidateLabels.contains(Self.renamed.1))
        #expect(!candidateLabels.contains(Self.renamed.0))

        // Shadow: the candidate runs beside the champion on every email; only the champion's predictions are routed.
        let shadowOutput = try h.mailroom(["registry", "shadow", "loop-2", "--sample", "1", "--registry", registry, "--by", "itest"])
        #expect(shadowOutput.contains("loop-2 runs in shadow beside loop-1"))
        // A second shadow is refused while one runs.
        #expect(throws: CommandFailed.self) { try h.mailroom(["registry", "shadow", "loop-1", "--registry", registry]) }
        #expect(try await h.eventually(30) {
            try await metricsText(h).contains("mailroom_classifier_shadow_info{model_version=\"loop-2\",replica=\"0\",stage=\"classifier\"} 1")
        }, "the classifier never reported the shadow")
        try await send(month2, h: h, database: database)
        for (i, row) in month2.enumerated() { try await closeCase(row, day: 22 + i * 6 / month2.count, h: h) }
        #expect(try await h.eventually(30) { try FeedbackStore(path: database).counts().closed == traffic.count },
                "not every outcome reached the feedback store")
        let store = try FeedbackStore(path: database)
        let closed = try store.closedCases(includeShadow: true)
        let month2IDs = Set(month2.map { $0["id"] as! String })
        let servedMonth2 = closed.filter { !$0.shadow && month2IDs.contains($0.id) }
        #expect(servedMonth2.count == month2.count)
        #expect(servedMonth2.allSatisfy { $0.modelVersion == "loop-1" }, "only the champion's predictions are routed")
        let shadowed = closed.filter(\.shadow)
        #expect(shadowed.count == month2.count, "every email of month 2 has a shadow prediction (\(shadowed.count))")
        #expect(shadowed.allSatisfy { $0.modelVersion == "loop-2" })
        #expect(shadowed.filter { $0.predicted["topic"] == Self.newTopic }.count >= 10, "the shadow predicts the new label")
        // The classifier's counters reach /metrics with its next heartbeat: wait for it (CI at 0b5d8c6 read 280 of 300).
        let shadowCounter = "mailroom_classifier_shadow_predictions_total{replica=\"0\",stage=\"classifier\"}"
        #expect(try await h.eventually(30) { (metricValue(try await metricsText(h), shadowCounter) ?? 0) >= Double(month2.count) },
                "the classifier's shadow counter never reached month 2's \(month2.count) emails")
        let metrics = try await metricsText(h)
        #expect((metricValue(metrics, "mailroom_classifier_shadow_seconds_total{replica=\"0\",stage=\"classifier\"}") ?? 0) > 0)

        // Live quality on the feedback-collector's /metrics: both versions on the same closed cases, drift against
        // the first model's validation profile, the retrain that ran.
        let quality = try await collectorMetrics(h)
        let servedAccuracy = metricValue(quality, #"mailroom_quality_accuracy{head="topic",model_version="loop-1",role="served"}"#)
        let shadowAccuracy = metricValue(quality, #"mailroom_quality_accuracy{head="topic",model_version="loop-2",role="shadow"}"#)
        #expect(servedAccuracy != nil && shadowAccuracy != nil && shadowAccuracy! > servedAccuracy!,
                "collector accuracy served \(servedAccuracy ?? -1), shadow \(shadowAccuracy ?? -1)")
        #expect(metricValue(quality, #"mailroom_quality_closed_cases{head="topic",model_version="loop-2",role="shadow"}"#) == Double(month2.count))
        #expect((metricValue(quality, #"mailroom_drift_label_psi{head="topic",model_version="loop-1",role="served"}"#) ?? -1) >= 0)
        #expect(metricValue(quality, "mailroom_retrain_runs_total") == 1 && metricValue(quality, "mailroom_retrain_last_run_failed") == 0)

        // Both expositions as Prometheus reads them, where the machine has promtool (Debian's prometheus package).
        for (name, text) in [("gateway", try await metricsText(h)), ("feedback-collector", quality)] {
            if let problem = try Promtool.problems(text) { Issue.record("promtool check metrics on the \(name)'s /metrics: \(problem)") }
        }

        // Compare on the live closed cases both predicted: the same figures, agreement and McNemar's counts.
        let live = try json(h.mailroom(["registry", "compare", "loop-1", "loop-2", "--registry", registry, "--database", database, "--json"]))
        #expect(live["rows"] as? Int == month2.count)
        let liveTopic = try #require(head("topic", in: live))
        let (liveB, liveC) = try counts(liveTopic)
        #expect(liveC > liveB && (liveTopic["mcnemar"] as? [String: Any])?["pValue"] as? Double ?? 1 < 0.05,
                "on live traffic the candidate should be significantly better on topic (b \(liveB), c \(liveC))")
        print("learning loop: offline topic b \(offlineB) c \(offlineC), accuracy \(try accuracy(offlineTopic, "champion")) → \(try accuracy(offlineTopic, "candidate")); "
              + "live topic b \(liveB) c \(liveC), accuracy \(try accuracy(liveTopic, "champion")) → \(try accuracy(liveTopic, "candidate")), "
              + "agreement \(liveTopic["agreement"] ?? "-")")
        let agreement = try #require(liveTopic["agreement"] as? Double)
        #expect(agreement > 0.5 && agreement < 1)
        // Recompute one figure from the store: the champion's topic accuracy on these cases.
        let pairs = try LiveComparisonCheck.championTopicAccuracy(store: store, champion: "loop-1", candidate: "loop-2")
        #expect(abs(try accuracy(liveTopic, "champion") - pairs) < 1e-9)

        // The optional rule: not yet (shadowed for minutes, not 7 days); a dry run with no minimum says it would.
        let notYet = try h.mailroom(["registry", "auto-promote", "--registry", registry, "--database", database, "--min-shadow-days", "7"])
        #expect(notYet.contains("(rule: at least 7): not met") && notYet.contains("loop-2 stays in shadow"))
        let dryRun = try h.mailroom(["registry", "auto-promote", "--registry", registry, "--database", database, "--min-shadow-days", "0",
                                     "--require", "better-somewhere-worse-nowhere", "--dry-run"])
        print("auto-promote dry run:\n\(dryRun)")
        // The strict rule wants every head significantly better: it follows the per-head verdicts it prints.
        let strict = try h.mailroom(["registry", "auto-promote", "--registry", registry, "--database", database, "--min-shadow-days", "0",
                                     "--dry-run"])
        print("auto-promote strict:\n\(strict)")
        let everyHeadBetter = ["line_of_business", "queue", "topic"].allSatisfy { strict.contains("live \($0): candidate significantly better") }
        #expect(strict.contains("rule better-everywhere on live traffic: \(everyHeadBetter ? "met" : "not met")"))
        #expect(strict.contains(everyHeadBetter ? "would promote loop-2" : "loop-2 stays in shadow"))
        // With more paired cases required than there are, no head has a verdict: declined.
        let tooFew = try h.mailroom(["registry", "auto-promote", "--registry", registry, "--database", database, "--min-shadow-days", "0",
                                     "--minimum-rows", "100000", "--dry-run"])
        #expect(tooFew.contains("rule better-everywhere on live traffic: not met") && tooFew.contains("loop-2 stays in shadow"))
        #expect(dryRun.contains("live topic: candidate significantly better") && dryRun.contains("would promote loop-2"))
        #expect(try json(String(contentsOfFile: registry + "/serving.json", encoding: .utf8))["current"] as? String == "loop-1")

        // Approve: both kinds of evidence are shown and the live one is kept with the version.
        let approval = try h.mailroom(["registry", "approve", "loop-2", "--registry", registry, "--database", database,
                                       "--by", "itest", "--reason", "better on live traffic"])
        #expect(approval.contains("offline evidence (180"))
        #expect(approval.contains("shadow evidence (\(month2.count) live closed cases), against loop-1"))
        #expect(FileManager.default.fileExists(atPath: evidence + "/shadow-comparison.json"))
        #expect(try h.mailroom(["registry", "show", "loop-2", "--registry", registry]).contains("live closed cases"))

        // Promote: the shadow ends, predictions carry the new version, and the new label is predicted.
        try h.mailroom(["registry", "promote", "loop-2", "--registry", registry])
        let serving = try json(String(contentsOfFile: registry + "/serving.json", encoding: .utf8))
        #expect(serving["current"] as? String == "loop-2" && serving["shadow"] == nil)
        try h.mailroom(["sample", "--out", h.path("fresh.jsonl"), "--count", "1200", "--seed", "23"])
        let fresh = Array(try rows(h.path("fresh.jsonl")).filter { ($0["labels"] as? [String: String])?["topic"] == Self.newTopic }.prefix(40))
        #expect(fresh.count >= 30)
        #expect(try await h.eventually(30) { try await classify(fresh, h: h).allSatisfy { $0.version == "loop-2" } },
                "predictions never carried the promoted version")
        let promoted = try await classify(fresh, h: h)
        let hits = promoted.filter { $0.topic == Self.newTopic }.count
        #expect(Double(hits) >= 0.6 * Double(fresh.count), "the promoted model predicts the new label (\(hits) of \(fresh.count))")
        // Feedback with the new label is now plain feedback (no new_labels needed).
        #expect(try await h.eventually(10) {
            try await h.http("POST", "v1/feedback", json: ["id": "loop-after", "labels": ["topic": Self.newTopic]]).0 == 202
        }, "feedback with the new label was refused after the promotion")

        // Roll back: the first model serves again, and it still cannot predict the new label.
        try h.mailroom(["registry", "rollback", "--registry", registry, "--reason", "itest"])
        #expect(try await h.eventually(30) { try await classify(fresh, h: h).allSatisfy { $0.version == "loop-1" } },
                "the rollback was not picked up")
        #expect(try await classify(fresh, h: h).allSatisfy { $0.topic != Self.newTopic })
    }

    // MARK: steps

    /// Submits `batch` ten at a time (batches the classifier takes whole, so the shadow never steps aside) and
    /// waits until the feedback store has every prediction.
    private func send(_ batch: [[String: Any]], h: Harness, database: String) async throws {
        let before = (try? FeedbackStore(path: database).counts().predictions) ?? 0
        for start in stride(from: 0, to: batch.count, by: 10) {
            let emails = batch[start..<min(start + 10, batch.count)].map { r -> [String: Any] in
                ["id": r["id"]!, "subject": r["subject"] ?? "", "body": r["body"] ?? "", "language": r["language"] ?? "de"]
            }
            let (status, _) = try await h.http("POST", "v1/emails", json: ["emails": emails])
            #expect(status == 202)
            // Keep the pipeline's batches small: wait for these before the next ten.
            _ = try await h.eventually(30) { try FeedbackStore(path: database).counts().predictions >= before + start + emails.count }
        }
        let stored = try await h.eventually(60) { try FeedbackStore(path: database).counts().predictions >= before + batch.count }
        #expect(stored, "not every email reached the feedback store")
    }

    /// Posts the agents' labels for `row`: the renamed topic under its new name, the unseen topic as a new label.
    private func closeCase(_ row: [String: Any], day: Int, h: Harness) async throws {
        var labels = row["labels"] as! [String: String]
        var body: [String: Any] = ["id": row["id"]!, "closed_at": String(format: "2026-11-%02dT10:00:00Z", day)]
        if labels["topic"] == Self.renamed.0 { labels["topic"] = Self.renamed.1 }
        if labels["topic"] == Self.newTopic || labels["topic"] == Self.renamed.1 { body["new_labels"] = ["topic"] }
        body["labels"] = labels
        let (status, answer) = try await h.http("POST", "v1/feedback", json: body)
        #expect(status == 202, "feedback for \(row["id"]!) gave \(status): \(answer)")
    }

    private func classify(_ batch: [[String: Any]], h: Harness) async throws -> [(version: String, topic: String)] {
        // Fresh ids every call: the gateway answers a known id with its first result.
        let call = UUID().uuidString.prefix(8)
        let emails = batch.map { r -> [String: Any] in ["id": "c-\(call)-\(r["id"]!)", "subject": r["subject"] ?? "", "body": r["body"] ?? ""] }
        let (status, body) = try await h.http("POST", "v1/classify", json: ["emails": emails])
        guard status == 200, let predictions = (body as? [String: Any])?["predictions"] as? [[String: Any]] else {
            throw CommandFailed(description: "classify gave \(status)")
        }
        return predictions.map { p in
            (p["model_version"] as? String ?? "", ((p["heads"] as? [String: Any])?["topic"] as? [String: Any])?["label"] as? String ?? "")
        }
    }

    private func collectorMetrics(_ h: Harness) async throws -> String {
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(h.feedbackMetricsPort)/metrics")!)
        return String(decoding: data, as: UTF8.self)
    }

    private func metricsText(_ h: Harness) async throws -> String {
        ((try await h.http("GET", "metrics").1 as? [String: Any])?["text"] as? String) ?? ""
    }

    // MARK: reading

    /// The value of one exact series in a Prometheus text exposition.
    private func metricValue(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.dropFirst(series.count + 1)) }
    }

    private func rows(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    private func writeRows(_ rows: [[String: Any]], to path: String) throws {
        let lines = try rows.map { String(decoding: try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func json(_ text: String) throws -> [String: Any] {
        // `registry show` prints the record's JSON first, then the evidence as Markdown.
        let end = text.range(of: "\n}\n")?.upperBound ?? text.endIndex
        return try JSONSerialization.jsonObject(with: Data(text[..<end].utf8)) as! [String: Any]
    }

    private func head(_ name: String, in comparison: [String: Any]) -> [String: Any]? {
        (comparison["heads"] as? [[String: Any]])?.first { $0["head"] as? String == name }
    }

    private func counts(_ head: [String: Any]) throws -> (Int, Int) {
        let m = try #require(head["mcnemar"] as? [String: Any])
        return (try #require(m["championOnly"] as? Int), try #require(m["candidateOnly"] as? Int))
    }

    private func accuracy(_ head: [String: Any], _ side: String) throws -> Double {
        try #require((head[side] as? [String: Any])?["accuracy"] as? Double)
    }

    private func topicLabels(registry: String, version: String) throws -> [String] {
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: registry + "/versions/\(version)/model/config.json"))) as! [String: Any]
        let heads = ((config["mailroom"] as? [String: Any])?["heads"] as? [[String: Any]]) ?? []
        return heads.first { $0["name"] as? String == "topic" }?["labels"] as? [String] ?? []
    }
}

/// An independent recomputation of one live figure, straight from the store's rows.
enum LiveComparisonCheck {
    static func championTopicAccuracy(store: FeedbackStore, champion: String, candidate: String) throws -> Double {
        let cases = try store.closedCases(includeShadow: true)
        let candidateIDs = Set(cases.filter { $0.modelVersion == candidate }.map(\.id))
        let championCases = cases.filter { $0.modelVersion == champion && candidateIDs.contains($0.id) && $0.truth["topic"] != nil }
        guard !championCases.isEmpty else { return .nan }
        return Double(championCases.filter { $0.predicted["topic"] == $0.truth["topic"] }.count) / Double(championCases.count)
    }
}
