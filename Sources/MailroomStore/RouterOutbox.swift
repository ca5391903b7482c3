// RouterOutbox: the router's durable record of every assignment it made (SQLite, WAL, synchronous=FULL): written
// before anything is published, so a redelivered email is answered with its first assignment and never published
// twice, every publication has a sequence number a subscriber can check for gaps and fetch again, and the copy for
// the feedback-collector waits here (a spool) until it has been handed on.
import CSQLite
import Foundation
import MailroomCore

/// One assignment as the outbox holds it.
public struct OutboxRecord: Sendable, Equatable {
    /// The position in this outbox's stream (1, 2, 3, … with no gaps), the PUB sequence number.
    public var sequence: Int64
    public var assignment: Assignment
    /// The cleaned email and assignment for the feedback-collector (kept until handed on).
    public var email: CleanedEmail
    /// The shadow model's prediction for the feedback-collector, when a candidate ran in shadow (kept until handed
    /// on, like `email`; never published).
    public var shadow: Prediction?
    public init(sequence: Int64, assignment: Assignment, email: CleanedEmail, shadow: Prediction? = nil) {
        self.sequence = sequence; self.assignment = assignment; self.email = email; self.shadow = shadow
    }
}

/// What recording one assignment found.
public struct OutboxDecision: Sendable, Equatable {
    public var record: OutboxRecord
    /// Recorded before (a redelivery): answer with `record` again, do not publish.
    public var duplicate: Bool
}

/// The outbox of one router replica. One connection, not `Sendable`: the router's handler thread owns it (the
/// snapshot server opens its own read connection with ``OutboxReader``).
public final class RouterOutbox {
    public static let schemaVersion: Int64 = 2

    public let database: SQLiteDatabase
    private let insert: SQLiteStatement
    private let find: SQLiteStatement
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    private let decoder = JSONDecoder()

    static let schema = """
        CREATE TABLE IF NOT EXISTS assignments (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          id TEXT NOT NULL UNIQUE,
          assignment_json TEXT NOT NULL,
          email_json TEXT,
          feedback_sent INTEGER NOT NULL DEFAULT 0,
          routed_at_ms INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS assignments_feedback ON assignments (seq) WHERE feedback_sent = 0;
        """
    /// Version 2: the shadow model's prediction spooled with the email for the feedback-collector.
    static let migrations = ["ALTER TABLE assignments ADD COLUMN shadow_json TEXT;"]

    /// Opens or creates the outbox at `path` (creating its folder).
    /// - Throws: ``StoreError/open(path:code:message:)``.
    public init(path: String, busyTimeoutMs: Int32 = 5000) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? PrivateFiles.makeDirectory(folder) }  // emails: this user only
        database = try SQLiteDatabase.openStore(path: path, schema: Self.schema, migrations: Self.migrations,
                                                schemaVersion: Self.schemaVersion,
                                                durability: .full, busyTimeoutMs: busyTimeoutMs)
        insert = try database.prepare(
            "INSERT INTO assignments (id, assignment_json, email_json, shadow_json, routed_at_ms) VALUES (?, ?, ?, ?, ?)",
            operation: "prepare outbox insert")
        find = try database.prepare("SELECT seq, assignment_json, email_json, shadow_json FROM assignments WHERE id = ?",
                                    operation: "prepare outbox lookup")
    }

    /// Records every routed email of a batch in one transaction (one fsync). An id recorded before keeps its first
    /// assignment and sequence number and comes back as a duplicate.
    public func record(_ batch: [(email: CleanedEmail, assignment: Assignment, shadow: Prediction?)]) throws -> [OutboxDecision] {
        try database.transaction("record assignments") {
            var decisions: [OutboxDecision] = []
            decisions.reserveCapacity(batch.count)
            for routed in batch {
                if let known = try lookup(routed.assignment.id) {
                    decisions.append(OutboxDecision(record: known, duplicate: true))
                    continue
                }
                let assignmentJSON = String(decoding: try encoder.encode(routed.assignment), as: UTF8.self)
                let emailJSON = String(decoding: try encoder.encode(routed.email), as: UTF8.self)
                let shadowJSON = try routed.shadow.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                try insert.run([.text(routed.assignment.id), .text(assignmentJSON), .text(emailJSON),
                                shadowJSON.map { .text($0) } ?? .null, .int(FeedbackStore.nowUnixMs())])
                decisions.append(OutboxDecision(
                    record: OutboxRecord(sequence: sqlite3_last_insert_rowid(database.handle),
                                         assignment: routed.assignment, email: routed.email, shadow: routed.shadow),
                    duplicate: false))
            }
            return decisions
        }
    }

    /// Assignments whose feedback copy the collector has not acknowledged yet, oldest first.
    public func unsentFeedback(limit: Int) throws -> [OutboxRecord] {
        let statement = try database.prepare(
            "SELECT seq, assignment_json, email_json, shadow_json FROM assignments WHERE feedback_sent = 0 ORDER BY seq LIMIT ?",
            operation: "read the feedback spool")
        return try statement.rows([.int(Int64(limit))]) { try self.decode($0) }
    }

    /// Marks feedback copies the collector acknowledged (committed to its store); their email text is dropped
    /// from the outbox (it now lives in the store).
    public func markFeedbackAcknowledged(_ ids: [String]) throws {
        guard !ids.isEmpty else { return }
        try database.runEach("UPDATE assignments SET feedback_sent = 1, email_json = NULL, shadow_json = NULL WHERE id = ?",
                             operation: "mark feedback acknowledged", rows: ids.map { [.text($0)] })
    }

    /// How many feedback copies wait in the spool (not acknowledged yet).
    public func feedbackBacklog() throws -> Int {
        Int(try database.scalarInt("SELECT count(*) FROM assignments WHERE feedback_sent = 0",
                                   operation: "count the feedback spool") ?? 0)
    }

    private func lookup(_ id: String) throws -> OutboxRecord? {
        try find.rows([.text(id)]) { try self.decode($0) }.first
    }

    private func decode(_ row: SQLiteStatement) throws -> OutboxRecord {
        let assignment = try decoder.decode(Assignment.self, from: Data((row.text(at: 1) ?? "").utf8))
        let email = try row.text(at: 2).map { try decoder.decode(CleanedEmail.self, from: Data($0.utf8)) }
        let shadow = try row.text(at: 3).map { try decoder.decode(Prediction.self, from: Data($0.utf8)) }
        return OutboxRecord(sequence: row.int(at: 0), assignment: assignment,
                            email: email ?? CleanedEmail(id: assignment.id, subject: "", text: ""), shadow: shadow)
    }
}

/// A read-only view of an outbox for subscribers that missed publications (the router's snapshot server).
public final class OutboxReader {
    private let database: SQLiteDatabase
    private let decoder = JSONDecoder()

    /// Opens the outbox at `path`, which the router's ``RouterOutbox`` created.
    public init(path: String, busyTimeoutMs: Int32 = 5000) throws {
        database = try SQLiteDatabase(path: path, busyTimeoutMs: busyTimeoutMs)
    }

    /// The highest sequence number recorded (0 when empty).
    public func lastSequence() throws -> Int64 {
        try database.scalarInt("SELECT coalesce(max(seq), 0) FROM assignments", operation: "read the last sequence") ?? 0
    }

    /// Assignments with a sequence number after `sequence`, in order, at most `limit`.
    public func assignments(after sequence: Int64, limit: Int) throws -> [(sequence: Int64, assignment: Assignment)] {
        let statement = try database.prepare(
            "SELECT seq, assignment_json FROM assignments WHERE seq > ? ORDER BY seq LIMIT ?",
            operation: "read assignments after a sequence number")
        return try statement.rows([.int(sequence), .int(Int64(limit))]) { row in
            (row.int(at: 0), try decoder.decode(Assignment.self, from: Data((row.text(at: 1) ?? "").utf8)))
        }
    }
}
