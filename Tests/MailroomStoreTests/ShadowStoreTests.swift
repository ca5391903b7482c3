// ShadowStoreTests: shadow predictions beside the served ones, and stores written by the previous schema opened and
// migrated in place (feedback store and router outbox), on real SQLite files.
import CSQLite
import Foundation
import MailroomCore
@testable import MailroomStore
import Testing

@Suite struct ShadowStoreTests {
    func shadow(_ id: String, version: String, heads: [String: String]) -> Prediction {
        Prediction(id: id, modelVersion: version, heads: heads.mapValues { HeadPrediction(label: $0, confidence: 0.7) })
    }

    @Test(arguments: StoreBackend.enabled) func shadowPredictionsJoinOutcomesBesideTheServedOnes(_ backend: StoreBackend) throws {
        let folder = TempFolder()
        let location = try backend.location(folder)
        let store = try FeedbackStore(path: location)
        for id in ["a", "b", "c"] {
            let (e, a) = routed(id, version: "v1", heads: ["topic": "x"])
            try store.record(email: e, assignment: a)
            try store.record(Outcome(id: id, labels: ["topic": id == "a" ? "y" : "x"]))
        }
        try store.record(shadow: shadow("a", version: "v2", heads: ["topic": "y"]))
        try store.record(shadow: shadow("b", version: "v2", heads: ["topic": "y"]))
        try store.record(shadow: shadow("b", version: "v2", heads: ["topic": "x"]))  // latest wins
        try store.record(shadow: shadow("z", version: "v2", heads: ["topic": "x"]))  // no outcome: not a closed case
        #expect(try store.closedCases().count == 3, "served rows only by default")
        let all = try store.closedCases(includeShadow: true)
        #expect(all.map { "\($0.id)/\($0.modelVersion)/\($0.shadow)" } == ["a/v1/false", "a/v2/true", "b/v1/false", "b/v2/true", "c/v1/false"])
        let shadowB = try #require(all.first { $0.id == "b" && $0.shadow })
        #expect(shadowB.predicted == ["topic": "x"] && shadowB.confidence == ["topic": 0.7] && shadowB.truth == ["topic": "x"])
        #expect(shadowB.assignedQueue == "" && !shadowB.needsReview && shadowB.subject == "Subject b")
        #expect(try store.closedCases(modelVersion: "v2", includeShadow: true).map(\.id) == ["a", "b"])
        #expect(throws: StoreError.self) { try store.record(shadow: Prediction(id: "q", modelVersion: "v2", heads: ["t": HeadPrediction(label: "x", confidence: .nan)])) }
    }

    /// The version-1 schema of both stores, as shipped before the shadow.
    static let feedbackV1 = FeedbackStore.schema
    static let outboxV1 = RouterOutbox.schema

    @Test func aVersionOneFeedbackStoreIsMigratedInPlace() throws {
        let folder = TempFolder()
        do {
            let db = try SQLiteDatabase(path: folder.database, busyTimeoutMs: 1000)
            try db.execute(Self.feedbackV1, operation: "v1 schema")
            try db.execute("PRAGMA user_version = 1", operation: "v1")
            try db.execute("INSERT INTO outcomes (email_id, labels_json, received_at_ms) VALUES ('old', '{\"topic\":\"x\"}', 1)", operation: "old row")
        }
        let store = try FeedbackStore(path: folder.database)
        #expect(try store.sqlite!.scalarInt("PRAGMA user_version", operation: "read") == FeedbackStore.schemaVersion)
        try store.record(shadow: shadow("old", version: "v2", heads: ["topic": "x"]))
        #expect(try store.counts().outcomes == 1, "rows written before the migration are kept")
    }

    @Test func aVersionTwoStoreGainsTheCustodianBankAndRetrainingRowsCarryIt() throws {
        let folder = TempFolder()
        do {
            let db = try SQLiteDatabase(path: folder.database, busyTimeoutMs: 1000)
            try db.execute(Self.feedbackV1 + FeedbackStore.migrations[0], operation: "v2 schema")
            try db.execute("PRAGMA user_version = 2", operation: "v2")
            try db.execute("""
                INSERT INTO predictions (email_id, model_version, subject, text, language, assigned_queue, needs_review, heads_json, predicted_at_ms)
                VALUES ('old', 'v1', 's', 't', 'de', 'Q', 0, '{"topic":{"label":"x","confidence":0.9}}', 1);
                INSERT INTO outcomes (email_id, labels_json, received_at_ms) VALUES ('old', '{"topic":"x"}', 1);
                """, operation: "v2 rows")
        }
        let store = try FeedbackStore(path: folder.database)
        #expect(try store.sqlite!.scalarInt("PRAGMA user_version", operation: "read") == 3)
        let (e, a) = routed("new", heads: ["topic": "y"])
        var email = e
        email.custodianBank = "Commerzbank"
        try store.record(email: email, assignment: a)
        try store.record(Outcome(id: "new", labels: ["topic": "y"]))
        let cases = try store.closedCases()
        #expect(cases.map(\.id) == ["new", "old"] && cases.map(\.custodianBank) == ["Commerzbank", nil])
        #expect(try store.exportTrainingRows().map(\.custodianBank) == ["Commerzbank", nil])
    }

    @Test func aVersionOneOutboxIsMigratedAndSpoolsTheShadow() throws {
        let folder = TempFolder()
        let path = folder.path + "/router.sqlite"
        do {
            let db = try SQLiteDatabase(path: path, busyTimeoutMs: 1000)
            try db.execute(Self.outboxV1, operation: "v1 schema")
            try db.execute("PRAGMA user_version = 1", operation: "v1")
        }
        let outbox = try RouterOutbox(path: path)
        #expect(try outbox.database.firstInt("PRAGMA user_version", operation: "read") == RouterOutbox.schemaVersion)
        let (e, a) = routed("m1", heads: ["topic": "x"])
        let s = shadow("m1", version: "v2", heads: ["topic": "y"])
        let first = try outbox.record([(e, a, s)])
        #expect(first.first?.record.shadow == s && first.first?.duplicate == false)
        #expect(try outbox.unsentFeedback(limit: 10).first?.shadow == s, "the spooled copy keeps the shadow")
        #expect(try outbox.record([(e, a, nil)]).first?.record.shadow == s, "a redelivery answers with the first record")
        try outbox.markFeedbackAcknowledged(["m1"])
        #expect(try outbox.database.firstInt("SELECT count(*) FROM assignments WHERE shadow_json IS NOT NULL", operation: "count") == 0)
    }
}
