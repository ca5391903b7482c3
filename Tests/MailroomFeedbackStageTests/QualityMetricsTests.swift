// QualityMetricsTests: the feedback-collector's GET /metrics on a store filled here: rolling quality per version and
// role, drift only for versions with a validation profile, bounded label values, the retrain status, HELP for every
// family, and the listener's routes.
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MailroomCore
import MailroomFeedbackStage
import MailroomStore
import Testing

@Suite struct QualityMetricsTests {
    /// A store and a registry in a fresh folder: `v1` served (20 predictions, 60 distinct labels on head `wide`),
    /// `v2` in shadow, outcomes for the first 10; v1 has a validation profile and the registry a failed retrain.
    final class Fixture {
        let dir = NSTemporaryDirectory() + "mailroom-quality-" + UUID().uuidString
        var database: String { dir + "/feedback.sqlite" }
        var registry: String { dir + "/registry" }

        init() throws {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let store = try FeedbackStore(path: database)
            for i in 0..<20 {
                let id = "m\(i)"
                let email = CleanedEmail(id: id, subject: "SECRET subject \(i)", text: "SECRET body", language: i % 2 == 0 ? "de" : nil)
                let heads = ["intent": HeadPrediction(label: i % 4 == 0 ? "close" : "pay", confidence: 0.85),
                             "wide": HeadPrediction(label: "w\(i % 60)", confidence: 0.55)]
                try store.record(email: email, assignment: Assignment(id: id, assignedQueue: "q", needsReview: i % 5 == 0, lowConfidenceHeads: [],
                                                                      prediction: Prediction(id: id, modelVersion: "v1", heads: heads)),
                                 predictedAtUnixMs: Int64(1000 + i))
                try store.record(shadow: Prediction(id: id, modelVersion: "v2", heads: ["intent": HeadPrediction(label: "pay", confidence: 0.95)]),
                                 predictedAtUnixMs: Int64(1000 + i))
                if i < 10 { try store.record(Outcome(id: id, labels: ["intent": "pay"]), receivedAtUnixMs: Int64(2000 + i)) }
            }
            var profile = TrafficProfile()
            profile.add(labels: ["intent": "pay"], confidences: ["intent": 0.9], language: "de", modelText: "x")
            profile.add(labels: ["intent": "close"], confidences: ["intent": 0.9], language: "de", modelText: "x")
            try profile.write(to: registry + "/versions/v1/model/" + TrafficProfile.validationPath)
            try RetrainStatus().started(candidate: "c1", at: Date(timeIntervalSince1970: 100))
                .finished(error: nil, at: Date(timeIntervalSince1970: 200))
                .started(candidate: "c2", at: Date(timeIntervalSince1970: 300))
                .finished(error: "no champion", at: Date(timeIntervalSince1970: 400)).write(registry: registry)
        }

        deinit { try? FileManager.default.removeItem(atPath: dir) }

        func metrics(window: Int = 500) async -> String {
            var config = QualityMetricsConfig(database: database)
            config.registry = registry
            config.window = window
            return await QualityMetricsSource(config: config, logger: Logger(label: "test")).metrics()
        }
    }

    /// The value of the series `series` (exact text), if present.
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func qualityDriftInputAndRetrainSeries() async throws {
        let f = try Fixture()
        let text = await f.metrics()
        // v1: 10 closed cases, 2 of them predicted `close` (ids 0 and 4, 8) against the true `pay`: 7/10 right.
        #expect(Self.value(text, #"mailroom_quality_accuracy{head="intent",model_version="v1",role="served"}"#) == 0.7)
        #expect(Self.value(text, #"mailroom_quality_closed_cases{head="intent",model_version="v1",role="served"}"#) == 10)
        #expect(Self.value(text, #"mailroom_quality_accuracy{head="intent",model_version="v2",role="shadow"}"#) == 1)
        #expect(Self.value(text, #"mailroom_quality_predicted_label_share{head="intent",label="close",model_version="v1",role="served"}"#) == 0.25)
        #expect(Self.value(text, #"mailroom_quality_mean_confidence{head="intent",model_version="v2",role="shadow"}"#) == 0.95)
        #expect(Self.value(text, #"mailroom_quality_review_rate{model_version="v1",role="served"}"#) == 0.2)
        #expect(!text.contains(#"mailroom_quality_review_rate{role="shadow""#), "a shadow's predictions are never routed")
        #expect(Self.value(text, #"mailroom_input_language_share{language="none",model_version="v1",role="served"}"#) == 0.5)
        #expect(Self.value(text, #"mailroom_input_length_share{bucket="<200",model_version="v1",role="served"}"#) == 1)
        // Drift: v1 against its profile (0.25 close vs 0.5), none for v2 (no profile).
        let psi = try #require(TrafficProfile.psi(actual: ["pay": 15, "close": 5], expected: ["pay": 1, "close": 1]))
        #expect(Self.value(text, #"mailroom_drift_label_psi{head="intent",model_version="v1",role="served"}"#) == psi)
        #expect(text.contains(#"mailroom_drift_confidence_psi{head="intent",model_version="v1",role="served"}"#))
        #expect(!text.contains(#"mailroom_drift_label_psi{head="intent",model_version="v2",role="shadow"}"#))
        // Retrain status.
        #expect(Self.value(text, "mailroom_retrain_last_start_timestamp_seconds") == 300)
        #expect(Self.value(text, "mailroom_retrain_last_success_timestamp_seconds") == 200)
        #expect(Self.value(text, "mailroom_retrain_last_run_failed") == 1)
        #expect(Self.value(text, "mailroom_retrain_runs_total") == 2 && Self.value(text, "mailroom_retrain_failures_total") == 1)
        #expect(Self.value(text, "mailroom_quality_store_up") == 1)
        // Never email text; HELP and TYPE for every family.
        #expect(!text.contains("SECRET"))
        let lines = text.split(separator: "\n")
        let typed = lines.filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        let helped = Set(lines.filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(!typed.isEmpty && typed.allSatisfy(helped.contains) && Set(typed).count == typed.count)
    }

    @Test func labelValuesAreCappedAndTheWindowBoundsTheCounts() async throws {
        let f = try Fixture()
        // 60 more v1 predictions: head `wide` then has 80 distinct labels, over the cap of 50.
        let store = try FeedbackStore(path: f.database)
        for i in 20..<80 {
            let id = "m\(i)"
            try store.record(email: CleanedEmail(id: id, subject: "", text: "t"), assignment: Assignment(
                id: id, assignedQueue: "q", needsReview: false, lowConfidenceHeads: [],
                prediction: Prediction(id: id, modelVersion: "v1", heads: ["wide": HeadPrediction(label: "w\(i)", confidence: 0.5)])),
                predictedAtUnixMs: Int64(1000 + i))
        }
        let wide = await f.metrics().split(separator: "\n").filter { $0.hasPrefix(#"mailroom_quality_predicted_label_share{head="wide""#) }
        #expect(wide.count == QualitySnapshot.maxLabelValues && wide.contains { $0.contains(#"label="other""#) })
        let text = await f.metrics(window: 4)
        #expect(Self.value(text, #"mailroom_quality_predictions{model_version="v1",role="served"}"#) == 4)
        #expect(Self.value(text, #"mailroom_quality_closed_cases{head="intent",model_version="v1",role="served"}"#) == 4)
        // The 4 most recently closed cases are m6…m9: m8 was predicted `close`.
        #expect(Self.value(text, #"mailroom_quality_accuracy{head="intent",model_version="v1",role="served"}"#) == 0.75)
    }

    @Test func aMissingStoreIsReportedNotCreated() async throws {
        var config = QualityMetricsConfig(database: NSTemporaryDirectory() + "no-such-\(UUID().uuidString).sqlite")
        config.registry = nil
        let text = await QualityMetricsSource(config: config, logger: Logger(label: "test")).metrics()
        #expect(Self.value(text, "mailroom_quality_store_up") == 0)
        #expect(!FileManager.default.fileExists(atPath: config.database))
        #expect(!text.contains("mailroom_retrain_"), "no registry: no retrain series")
    }

    @Test func routesServeMetricsAndHealth() async throws {
        let f = try Fixture()
        var config = QualityMetricsConfig(database: f.database)
        config.registry = f.registry
        let app = Application(router: QualityMetricsServer.buildRouter(source: QualityMetricsSource(config: config, logger: Logger(label: "test"))))
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: response.body).contains("# HELP mailroom_quality_accuracy "))
            }
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(QualityMetricsServer.service(config: QualityMetricsConfig(database: f.database), logger: Logger(label: "test")) == nil,
                "port 0: no listener")
    }
}
