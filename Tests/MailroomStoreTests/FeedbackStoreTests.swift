// FeedbackStoreTests: the feedback store on real SQLite files: WAL, join, idempotency, export, report, errors.
import CSQLite
import Foundation
import MailroomCore
import Testing
@testable import MailroomStore

@Suite struct FeedbackStoreTests {
    @Test func opensInWALModeWithSchema() throws {
        let dir = TempFolder()
        let store = try FeedbackStore(path: dir.database)
        #expect(try store.sqlite!.scalarText("PRAGMA journal_mode", operation: "t") == "wal")
        #expect(try store.sqlite!.scalarInt("PRAGMA user_version", operation: "t") == FeedbackStore.schemaVersion)
        #expect(try store.counts() == FeedbackCounts(predictions: 0, outcomes: 0, closed: 0))
        // Reopening an existing store keeps its rows.
        let (e, a) = routed("m1", heads: ["intent": "payment"])
        try store.record(email: e, assignment: a)
        let again = try FeedbackStore(path: dir.database)
        #expect(try again.counts().predictions == 1)
    }

    @Test(arguments: StoreBackend.enabled) func recordJoinsPredictionsWithOutcomes(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        let (e1, a1) = routed("m1", heads: ["intent": "payment", "urgency": "high"], text: "first")
        let (e2, a2) = routed("m2", heads: ["intent": "query"], queue: "general")
        try store.record(email: e1, assignment: a1)
        try store.record(email: e2, assignment: a2)
        try store.record(Outcome(id: "m1", labels: ["intent": "payment", "urgency": "low"], resolution: "done",
                                 closedAt: "2026-11-29T10:00:00Z"))
        #expect(try store.counts() == FeedbackCounts(predictions: 2, outcomes: 1, closed: 1))
        let cases = try store.closedCases()
        #expect(cases.count == 1)
        let c = try #require(cases.first)
        #expect(c.id == "m1" && c.modelVersion == "v1" && c.text == "first" && c.subject == "Subject m1")
        #expect(c.predicted == ["intent": "payment", "urgency": "high"])
        #expect(c.confidence == ["intent": 0.9, "urgency": 0.9])
        #expect(c.truth == ["intent": "payment", "urgency": "low"])
        #expect(c.resolution == "done" && c.closedAt == "2026-11-29T10:00:00Z" && c.language == "en")
        #expect(c.assignedQueue == "payments" && !c.needsReview)
    }

    @Test(arguments: StoreBackend.enabled) func recordingTwiceDoesNotDoubleCountAndLatestWins(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        let (e, a) = routed("m1", heads: ["intent": "payment"])
        try store.record(email: e, assignment: a)
        try store.record(email: e, assignment: a)
        let (e2, a2) = routed("m1", version: "v2", heads: ["intent": "query"])
        try store.record(email: e2, assignment: a2)
        try store.record(Outcome(id: "m1", labels: ["intent": "payment"], resolution: "first"))
        try store.record(Outcome(id: "m1", labels: ["intent": "query"], resolution: "reopened"))
        #expect(try store.counts() == FeedbackCounts(predictions: 1, outcomes: 1, closed: 1))
        let c = try #require(try store.closedCases().first)
        #expect(c.modelVersion == "v2" && c.predicted == ["intent": "query"])
        #expect(c.truth == ["intent": "query"] && c.resolution == "reopened")
    }

    @Test(arguments: StoreBackend.enabled) func outcomeBeforePredictionIsKeptAndJoinedLater(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        try store.record(Outcome(id: "early", labels: ["intent": "payment"]))
        #expect(try store.counts() == FeedbackCounts(predictions: 0, outcomes: 1, closed: 0))
        #expect(try store.closedCases().isEmpty)
        let (e, a) = routed("early", heads: ["intent": "query"])
        try store.record(email: e, assignment: a)
        #expect(try store.counts() == FeedbackCounts(predictions: 1, outcomes: 1, closed: 1))
        #expect(try store.closedCases().map(\.truth) == [["intent": "payment"]])
    }

    @Test(arguments: StoreBackend.enabled) func closedCasesFilterByModelVersion(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        for (i, v) in ["v1", "v2", "v1"].enumerated() {
            let (e, a) = routed("m\(i)", version: v, heads: ["intent": "payment"])
            try store.record(email: e, assignment: a)
            try store.record(Outcome(id: "m\(i)", labels: ["intent": "payment"]))
        }
        #expect(try store.closedCases(modelVersion: "v1").map(\.id) == ["m0", "m2"])
        #expect(try store.closedCases(modelVersion: "v2").map(\.id) == ["m1"])
        #expect(try store.closedCases(modelVersion: "v9").isEmpty)
    }

    @Test(arguments: StoreBackend.enabled) func reportScoresEachVersionAndHead(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        // v1 intent: truth [a, a, b, b], predicted [a, b, b, b] → accuracy 0.75; F1(a) = 2/3, F1(b) = 0.8.
        let v1 = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")]
        try store.inTransaction {
            for (i, (truth, predicted)) in v1.enumerated() {
                let (e, a) = routed("v1-\(i)", heads: ["intent": predicted, "urgency": "high"])
                try store.record(email: e, assignment: a)
                // Only the first two outcomes name urgency: that head is scored on 2 cases.
                var labels = ["intent": truth]
                if i < 2 { labels["urgency"] = i == 0 ? "high" : "low" }
                try store.record(Outcome(id: "v1-\(i)", labels: labels))
            }
            let (e, a) = routed("v2-0", version: "v2", heads: ["intent": "a"])
            try store.record(email: e, assignment: a)
            try store.record(Outcome(id: "v2-0", labels: ["intent": "a"]))
            try store.record(Outcome(id: "no-prediction", labels: ["intent": "a"]))
        }
        let report = try store.report()
        #expect(report.map { "\($0.modelVersion)/\($0.head)/\($0.cases)" } == ["v1/intent/4", "v1/urgency/2", "v2/intent/1"])
        #expect(abs(report[0].accuracy - 0.75) < 1e-12)
        #expect(abs(report[0].macroF1 - (2.0 / 3.0 + 0.8) / 2) < 1e-12)
        #expect(abs(report[1].accuracy - 0.5) < 1e-12)
        #expect(report[2].accuracy == 1 && report[2].macroF1 == 1)
    }

    @Test(arguments: StoreBackend.enabled) func exportUsesTrueLabelsAndADeterministicSplit(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        try store.inTransaction {
            for i in 0..<400 {
                let (e, a) = routed("mail-\(i)", heads: ["intent": "predicted"], text: "text \(i)")
                try store.record(email: e, assignment: a)
                try store.record(Outcome(id: "mail-\(i)", labels: ["intent": "true-\(i % 3)"]))
            }
        }
        let rows = try store.exportTrainingRows(validationFraction: 0.2)
        #expect(rows.count == 400)
        let first = try #require(rows.first { $0.id == "mail-7" })
        #expect(first.labels == ["intent": "true-1"] && first.body == "text 7" && first.subject == "Subject mail-7")
        let validation = rows.filter(\.isValidation).count
        #expect((50...110).contains(validation), "expected about 80 of 400 in validation, got \(validation)")
        // Same split on a second export, from a second connection, and from the id alone.
        let again = try FeedbackStore(path: location).exportTrainingRows(validationFraction: 0.2)
        #expect(again == rows)
        for row in rows { #expect(row.split == StableSplit.split(id: row.id, validationFraction: 0.2)) }
        #expect(try store.exportTrainingRows(validationFraction: 0).allSatisfy { !$0.isValidation })
        #expect(try store.exportTrainingRows(validationFraction: 1).allSatisfy(\.isValidation))
    }

    @Test func stableHashIsFNV1a() {
        // Published FNV-1a 64 test vectors: a fixed function, not Swift's per-process Hasher.
        #expect(StableSplit.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(StableSplit.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(StableSplit.hash("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func unusablePathsGiveClearErrors() throws {
        do {
            _ = try FeedbackStore(path: "/nonexistent-mailroom-dir/sub/feedback.sqlite")
            Issue.record("opened a database in a missing folder")
        } catch let error as StoreError {
            #expect(error.code == SQLITE_CANTOPEN)
            #expect(error.description.contains("/nonexistent-mailroom-dir/sub/feedback.sqlite"))
            #expect(error.description.contains("folder exists"))
        }
        let dir = TempFolder()
        let notADatabase = dir.path + "/garbage.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: notADatabase))
        do {
            _ = try FeedbackStore(path: notADatabase)
            Issue.record("opened a file that is not a database")
        } catch let error as StoreError {
            guard case .open(let path, let code, let message) = error else { Issue.record("\(error)"); return }
            #expect(path == notADatabase && code == SQLITE_NOTADB && message.contains("not a database"))
        }
    }

    @Test func sqlErrorsNameTheOperation() throws {
        let dir = TempFolder()
        let store = try FeedbackStore(path: dir.database)
        #expect(throws: StoreError.sqlite(operation: "bad query", code: SQLITE_ERROR,
                                          message: "no such table: nowhere")) {
            _ = try store.sqlite!.prepare("SELECT * FROM nowhere", operation: "bad query")
        }
        // A failed batch rolls back entirely.
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try store.inTransaction {
                let (e, a) = routed("m1", heads: ["intent": "x"])
                try store.record(email: e, assignment: a)
                throw Abort()
            }
        }
        #expect(try store.counts().predictions == 0)
    }

    @Test(arguments: StoreBackend.enabled) func unreadableStoredJSONIsACorruptRowError(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        let (e, a) = routed("m1", heads: ["intent": "x"])
        try store.record(email: e, assignment: a)
        try store.record(Outcome(id: "m1", labels: ["intent": "x"]))
        try store.database.execute("UPDATE predictions SET heads_json = '[1'", operation: "damage")
        #expect(throws: StoreError.corruptRow(table: "predictions", id: "m1", reason: "heads_json is not a JSON object")) {
            _ = try store.closedCases()
        }
        try store.database.execute(#"UPDATE predictions SET heads_json = '{"intent":{"label":"x","confidence":1}}'"#,
                                   operation: "repair")
        try store.database.execute(#"UPDATE outcomes SET labels_json = '{"intent":3}'"#, operation: "damage")
        #expect(throws: StoreError.corruptRow(table: "outcomes", id: "m1", reason: "labels_json is not an object of strings")) {
            _ = try store.report()
        }
    }
}

@Suite struct SQLiteTextBindingTests {
    @Test func textIsBoundWithItsByteLengthSoANULDoesNotCutIt() throws {
        let dir = TempFolder()
        let db = try SQLiteDatabase(path: dir.database)
        try db.execute("CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)", operation: "schema")
        let insert = try db.prepare("INSERT INTO t (k, v) VALUES (?, ?)", operation: "insert")
        try insert.run([.text("a\u{0}b"), .text("body\u{0}tail ü")])
        try insert.run([.text("a"), .text("short")])  // a distinct key: "a\0b" was not stored as "a"
        let read = try db.prepare("SELECT v FROM t WHERE k = ?", operation: "read")
        #expect(try read.rows([.text("a\u{0}b")]) { $0.text(at: 0) } == ["body\u{0}tail ü"])
        #expect(try read.rows([.text("a")]) { $0.text(at: 0) } == ["short"])
    }
}
