// DeliveryStoreTests: the gateway's intake journal and the router's outbox on both backends (a SQLite file per
// replica, or one PostgreSQL server the replicas share), and what sharing a server adds: any replica sees any
// replica's email, an id is one email across them, each replica replays and numbers only its own.
import Foundation
import Synchronization
import MailroomCore
import MailroomTestSupport
@testable import MailroomStore
import Testing

struct DeliveryStoreTests {
    static func email(_ id: String, body: String = "Bitte Depot übertragen.") -> Email { Email(id: id, subject: "Depot", body: body) }

    @Test(arguments: StoreBackend.enabled) func journalAcceptsKnowsConflictsAndReplays(_ backend: StoreBackend) throws {
        let folder = TempFolder()
        let location = try backend.location(folder)
        let journal = try IntakeJournal(path: location, owner: "gateway-0")
        #expect(try journal.accept([Self.email("a"), Self.email("b")]) == [.accepted, .accepted])
        // The same id and content again: known, answered from the journal.
        guard case .known(let known) = try journal.accept([Self.email("a")]).first else {
            Issue.record("a repeated email should be known"); return
        }
        #expect(known.state == .pending && known.email == Self.email("a"))
        // Other content under a known id: a conflict, and nothing of the batch is written.
        #expect(throws: IntakeJournalError.conflict(ids: ["a"])) {
            try journal.accept([Self.email("c"), Self.email("a", body: "anders")])
        }
        #expect(try journal.entry("c") == nil)
        try journal.recordAttempts(["a", "b"])
        #expect(try journal.pending().map(\.email.id) == ["a", "b"] && journal.pending().allSatisfy { $0.attempts == 1 })
        let assignment = Assignment(id: "a", assignedQueue: "Depot", needsReview: false, lowConfidenceHeads: [],
                                    prediction: Prediction(id: "a", modelVersion: "v1", heads: [:]))
        try journal.recordResults([assignment])
        #expect(try journal.entry("a")?.state == .done && journal.entry("a")?.result == assignment)
        try journal.recordFailure("b", reason: "no result after 5 sends")
        #expect(try journal.failed().map(\.id) == ["b"] && journal.counts() == [.done: 1, .failed: 1])
        // A dead letter submitted again starts over.
        #expect(try journal.accept([Self.email("b")]) == [.accepted])
        #expect(try journal.entry("b")?.attempts == 0 && journal.pending().map(\.email.id) == ["b"])
        // Withdrawn only while never sent.
        #expect(try journal.accept([Self.email("w")]) == [.accepted])
        try journal.withdraw("w")
        try journal.withdraw("a")
        #expect(try journal.entry("w") == nil && journal.entry("a") != nil)
        // Reopened, it holds the same.
        let reopened = try IntakeJournal(path: location, owner: "gateway-0")
        #expect(try reopened.counts() == [.done: 1, .pending: 1])
    }

    @Test(arguments: StoreBackend.enabled) func journalKeepsOutcomesUntilAcknowledged(_ backend: StoreBackend) throws {
        let folder = TempFolder()
        let journal = try IntakeJournal(path: try backend.location(folder), owner: "gateway-0")
        let first = try journal.acceptOutcome(Outcome(id: "a", labels: ["queue": "Depot"]))
        let second = try journal.acceptOutcome(Outcome(id: "b", labels: ["queue": "Zahlungen"]))
        #expect(second > first)
        #expect(try journal.unsentOutcomes().map(\.outcome.id) == ["a", "b"])
        #expect(try journal.recordOutcomesAcknowledged(emailIDs: ["b", "nobody"]) == [second])
        try journal.recordOutcomeSent(first)
        #expect(try journal.unsentOutcomes().isEmpty)
    }

    @Test(.enabled(if: PostgresServer.enabled)) func replicasShareOneJournalOnAServer() throws {
        let url = try PostgresServer.shared.get().newDatabase()
        let zero = try IntakeJournal(path: url, owner: "gateway-0")
        let one = try IntakeJournal(path: url, owner: "gateway-1")
        #expect(zero.sharedAcrossReplicas)
        #expect(try one.accept([Self.email("x")]) == [.accepted])
        // Replica 0 answers for replica 1's email, and the same id with other content is a conflict there too.
        #expect(try zero.entry("x")?.email == Self.email("x"))
        guard case .known = try zero.accept([Self.email("x")]).first else { Issue.record("x should be known at replica 0"); return }
        #expect(throws: IntakeJournalError.conflict(ids: ["x"])) { try zero.accept([Self.email("x", body: "anders")]) }
        // Each replica replays, counts and withdraws only its own.
        #expect(try zero.pending().isEmpty && one.pending().map(\.email.id) == ["x"])
        try zero.withdraw("x")
        #expect(try one.entry("x") != nil)
        #expect(try zero.counts().isEmpty && one.counts() == [.pending: 1])
        // A result recorded by either replica is the email's.
        let assignment = Assignment(id: "x", assignedQueue: "Depot", needsReview: false, lowConfidenceHeads: [],
                                    prediction: Prediction(id: "x", modelVersion: "v1", heads: [:]))
        try zero.recordResults([assignment])
        #expect(try one.entry("x")?.state == .done)
        // Outcomes wait for their own replica's receipt.
        try one.acceptOutcome(Outcome(id: "x", labels: ["queue": "Depot"]))
        #expect(try zero.unsentOutcomes().isEmpty && one.unsentOutcomes().count == 1)
        #expect(try zero.recordOutcomesAcknowledged(emailIDs: ["x"]).isEmpty && one.unsentOutcomes().count == 1)
        // The feedback store's tables live on the same server beside the journal's.
        let store = try FeedbackStore(path: url)
        #expect(try store.counts().predictions == 0)
    }

    @Test(.enabled(if: PostgresServer.enabled)) func replicasAcceptingOverlappingBatchesAtOnceJournalEachEmailOnce() throws {
        let url = try PostgresServer.shared.get().newDatabase()
        _ = try IntakeJournal(path: url)  // the schema, before the two race
        let failures = Mutex<[String]>([])
        for round in 0..<10 {
            let ids = (0..<20).map { "r\(round)-\($0)" }
            // The same emails in opposite orders at the same moment: without a common lock order this deadlocks.
            DispatchQueue.concurrentPerform(iterations: 2) { replica in
                do {
                    let journal = try IntakeJournal(path: url, owner: "gateway-\(replica)")
                    let batch = (replica == 0 ? ids : ids.reversed()).map { Self.email($0) }
                    let decisions = try journal.accept(batch)
                    if decisions.count != batch.count { failures.withLock { $0.append("replica \(replica): \(decisions.count) decisions") } }
                } catch {
                    failures.withLock { $0.append("replica \(replica): \(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        let journal = try IntakeJournal(path: url, owner: "gateway-0")
        let counted = try journal.database.firstInt("SELECT count(*) FROM journal_emails", operation: "count")
        #expect(counted == 200, "each email journaled once")
    }

    @Test(arguments: StoreBackend.enabled) func outboxNumbersItsStreamAndAnswersRedeliveriesWithTheFirstRecord(_ backend: StoreBackend) throws {
        let folder = TempFolder()
        let location = try backend.location(folder)
        let outbox = try RouterOutbox(path: location, owner: "router-0")
        let batch = ["m1", "m2", "m3"].map { routed($0, heads: ["topic": "x"]) }
        let first = try outbox.record(batch.map { ($0.0, $0.1, nil) })
        #expect(first.map(\.record.sequence) == [1, 2, 3] && first.allSatisfy { !$0.duplicate })
        let again = try outbox.record([(batch[1].0, routed("m2", heads: ["topic": "other"]).1, nil)])
        #expect(again.first?.duplicate == true && again.first?.record.sequence == 2
                && again.first?.record.assignment == batch[1].1, "a redelivery keeps its first assignment and number")
        #expect(try outbox.feedbackBacklog() == 3 && outbox.unsentFeedback(limit: 2).map(\.sequence) == [1, 2])
        try outbox.markFeedbackAcknowledged(["m1", "m2"])
        #expect(try outbox.feedbackBacklog() == 1 && outbox.unsentFeedback(limit: 10).map(\.assignment.id) == ["m3"])
        let reader = try OutboxReader(path: location, owner: "router-0")
        #expect(try reader.lastSequence() == 3 && reader.assignments(after: 1, limit: 10).map(\.sequence) == [2, 3])
        // The same id twice in one batch (a redelivery that caught up with the first copy): recorded once.
        let twice = routed("m5", heads: ["topic": "x"])
        let both = try outbox.record([(twice.0, twice.1, nil), (twice.0, twice.1, nil)])
        #expect(both.map(\.record.sequence) == [4, 4] && both.map(\.duplicate) == [false, true])
        // Reopened, the stream goes on from where it was.
        let reopened = try RouterOutbox(path: location, owner: "router-0")
        #expect(try reopened.record([{ let r = routed("m6", heads: ["topic": "x"]); return (r.0, r.1, nil) }()]).first?.record.sequence == 5)
    }

    @Test(.enabled(if: PostgresServer.enabled)) func routersOnOneServerKeepTheirOwnStreamsAndPublishAnIdOnce() throws {
        let url = try PostgresServer.shared.get().newDatabase()
        let zero = try RouterOutbox(path: url, owner: "router-0")
        let one = try RouterOutbox(path: url, owner: "router-1")
        let a = routed("a", heads: ["topic": "x"]), b = routed("b", heads: ["topic": "x"]), c = routed("c", heads: ["topic": "x"])
        #expect(try zero.record([(a.0, a.1, nil), (b.0, b.1, nil)]).map(\.record.sequence) == [1, 2])
        #expect(try one.record([(c.0, c.1, nil)]).map(\.record.sequence) == [1], "each replica's stream starts at 1")
        // An email that reaches the other router (the routers were rescaled) is not published again.
        let moved = try one.record([(a.0, a.1, nil)])
        #expect(moved.first?.duplicate == true && moved.first?.record.sequence == 1)
        #expect(try zero.feedbackBacklog() == 2 && one.feedbackBacklog() == 1)
        let readers = (try OutboxReader(path: url, owner: "router-0"), try OutboxReader(path: url, owner: "router-1"))
        #expect(try readers.0.lastSequence() == 2 && readers.1.lastSequence() == 1)
        #expect(try readers.1.assignments(after: 0, limit: 10).map(\.assignment.id) == ["c"])
    }

    @Test func aVersionOneJournalFileIsMigratedWithItsEmails() throws {
        let folder = TempFolder()
        let path = folder.path + "/gateway-0.sqlite"
        do {
            let db = try SQLiteDatabase(path: path, busyTimeoutMs: 1000)
            try db.execute(IntakeJournal.schema, operation: "v1 schema")
            try db.execute("""
                INSERT INTO emails (id, content_sha256, email_json, state, attempts, accepted_at_ms, updated_at_ms)
                VALUES ('old', 'h', '{"id":"old","subject":"","body":"x"}', 'pending', 1, 1, 1);
                INSERT INTO outcomes (email_id, outcome_json, accepted_at_ms) VALUES ('old', '{"id":"old","labels":{}}', 1);
                PRAGMA user_version = 1;
                """, operation: "v1 rows")
        }
        let journal = try IntakeJournal(path: path, owner: "gateway-0")
        #expect(try journal.database.firstInt("PRAGMA user_version", operation: "read") == IntakeJournal.schemaVersion)
        #expect(try journal.pending().map(\.email.id) == ["old"] && journal.unsentOutcomes().map(\.outcome.id) == ["old"])
    }

    @Test func aFileIsOneStoresOnly() throws {
        let folder = TempFolder()
        _ = try FeedbackStore(path: folder.database)
        #expect {
            _ = try IntakeJournal(path: folder.database)
        } throws: { error in
            "\(error)".contains("this file is Mailroom's feedback store, not a journal store")
        }
        #expect(throws: StoreError.self) { _ = try RouterOutbox(path: folder.database) }
        // Nothing was written to the feedback store's file: it opens as before.
        #expect(try FeedbackStore(path: folder.database).counts().predictions == 0)
        let journal = folder.path + "/gateway-0.sqlite"
        _ = try IntakeJournal(path: journal)
        #expect(throws: StoreError.self) { _ = try FeedbackStore(path: journal) }
    }

    @Test func theOutboxFindsItsNextNumberByIndex() throws {
        let folder = TempFolder()
        let outbox = try RouterOutbox(path: folder.path + "/router-0.sqlite")
        let plan = try outbox.database.query(
            "EXPLAIN QUERY PLAN SELECT coalesce(max(seq), 0) + 1 FROM assignments WHERE owner = ?", operation: "plan")
            .each([.text("")]) { $0.text(at: 3) ?? "" }.joined(separator: " ")
        #expect(plan.contains("assignments_by_owner"), "the next sequence number is read from the index, not a scan: \(plan)")
    }
}
