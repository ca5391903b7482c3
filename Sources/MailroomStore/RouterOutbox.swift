// RouterOutbox: the router's durable record of every assignment it made: written before anything is published, so a
// redelivered email is answered with its first assignment and never published twice, every publication has a
// sequence number a subscriber can check for gaps and fetch again, and the copy for the feedback-collector waits here
// (a spool) until it has been handed on. A SQLite file per router replica (WAL, synchronous=FULL) on one machine; on a
// shared PostgreSQL server (`--outbox postgres://…`) one table holds every replica's stream, by owner, and an id is
// recorded once across all of them (an email that reaches a second router is still published once).
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
    public static var schemaVersion: Int64 { tables.sqliteVersion }

    public let database: any StoreConnection
    /// The router replica whose stream this is on a shared server (`router-0`); "" in a SQLite file.
    public let owner: String
    private let table: String
    private let insert: any StoreQuery
    private let find: any StoreQuery
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    private let decoder = JSONDecoder()

    static let tables = StoreSchema(component: "outbox", sqlite: schema, sqliteMigrations: migrations, postgres: postgresMigrations)

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
    /// Version 2: the shadow model's prediction spooled with the email for the feedback-collector. Version 3: an
    /// `owner` column, so that a file and a server run the same statements (a file's rows are "").
    static let migrations = ["ALTER TABLE assignments ADD COLUMN shadow_json TEXT;",
                             """
                             ALTER TABLE assignments ADD COLUMN owner TEXT NOT NULL DEFAULT '';
                             CREATE INDEX IF NOT EXISTS assignments_by_owner ON assignments (owner, seq);
                             """]
    /// The same on PostgreSQL (`mailroom_schema` component `outbox`): each replica's stream numbered 1, 2, 3, …
    static let postgresMigrations = ["""
        CREATE TABLE IF NOT EXISTS outbox_assignments (
          id TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          seq BIGINT NOT NULL,
          assignment_json TEXT NOT NULL,
          email_json TEXT,
          shadow_json TEXT,
          feedback_sent INTEGER NOT NULL DEFAULT 0,
          routed_at_ms BIGINT NOT NULL,
          UNIQUE (owner, seq)
        );
        CREATE INDEX IF NOT EXISTS outbox_assignments_feedback ON outbox_assignments (owner, seq) WHERE feedback_sent = 0;
        """]

    /// The table on this backend (a server's sits beside the other stores' tables).
    static func table(_ database: any StoreConnection) -> String {
        database is PostgresDatabase ? "outbox_assignments" : "assignments"
    }

    /// Opens or creates the outbox at `path`: a SQLite file (creating its folder) or a `postgres://` URL, where
    /// `owner` names this router replica's stream.
    /// - Throws: ``StoreError/open(path:code:message:)`` or ``StoreError/postgresOpen(location:message:)``.
    public init(path: String, owner: String = "router-0", busyTimeoutMs: Int32 = 5000) throws {
        database = try StoreLocation(path).open(Self.tables, durability: .full, busyTimeoutMs: busyTimeoutMs,
                                                creatingFolder: true)
        self.owner = database is PostgresDatabase ? owner : ""
        table = Self.table(database)
        // The next number of this owner's stream: one writer per stream (a second would collide on it and fail).
        insert = try database.query("""
            INSERT INTO \(table) (id, owner, seq, assignment_json, email_json, shadow_json, routed_at_ms)
            VALUES (?, ?, (SELECT coalesce(max(seq), 0) + 1 FROM \(table) WHERE owner = ?), ?, ?, ?, ?)
            ON CONFLICT (id) DO NOTHING RETURNING seq
            """, operation: "prepare outbox insert")
        find = try database.query("SELECT \(Self.recordColumns) FROM \(table) WHERE id = ?",
                                  operation: "prepare outbox lookup")
    }

    /// Records every routed email of a batch in one transaction (one fsync). An id recorded before (by any replica
    /// on a shared server) keeps its first assignment and sequence number and comes back as a duplicate.
    public func record(_ batch: [(email: CleanedEmail, assignment: Assignment, shadow: Prediction?)]) throws -> [OutboxDecision] {
        try database.transaction("record assignments") {
            var decisions: [OutboxDecision] = []
            decisions.reserveCapacity(batch.count)
            // What the outbox holds of the batch already, in one read.
            var held: [String: OutboxRecord] = [:]
            for record in try database.eachIn("SELECT \(Self.recordColumns) FROM \(table) WHERE id IN (%ids)",
                                              ids: batch.map(\.assignment.id), operation: "read known assignments",
                                              { try self.decode($0) }) {
                held[record.assignment.id] = record
            }
            for routed in batch {
                if let known = held[routed.assignment.id] {
                    decisions.append(OutboxDecision(record: known, duplicate: true))
                    continue
                }
                let assignmentJSON = String(decoding: try encoder.encode(routed.assignment), as: UTF8.self)
                let emailJSON = String(decoding: try encoder.encode(routed.email), as: UTF8.self)
                let shadowJSON = try routed.shadow.map { String(decoding: try encoder.encode($0), as: UTF8.self) }
                let seq = try insert.each([.text(routed.assignment.id), .text(owner), .text(owner), .text(assignmentJSON),
                                           .text(emailJSON), shadowJSON.map { .text($0) } ?? .null,
                                           .int(FeedbackStore.nowUnixMs())]) { $0.int(at: 0) }.first
                guard let seq else {
                    // Another router recorded it a moment ago (a shared server): that record stands.
                    guard let known = try lookup(routed.assignment.id) else {
                        throw StoreError.corruptRow(table: table, id: routed.assignment.id, reason: "neither inserted nor found")
                    }
                    held[known.assignment.id] = known
                    decisions.append(OutboxDecision(record: known, duplicate: true))
                    continue
                }
                let record = OutboxRecord(sequence: seq, assignment: routed.assignment, email: routed.email, shadow: routed.shadow)
                held[record.assignment.id] = record
                decisions.append(OutboxDecision(record: record, duplicate: false))
            }
            return decisions
        }
    }

    /// Assignments whose feedback copy the collector has not acknowledged yet, oldest first.
    public func unsentFeedback(limit: Int) throws -> [OutboxRecord] {
        try database.query("""
            SELECT \(Self.recordColumns) FROM \(table)
            WHERE feedback_sent = 0 AND owner = ? ORDER BY seq LIMIT ?
            """, operation: "read the feedback spool").each([.text(owner), .int(Int64(limit))]) { try self.decode($0) }
    }

    /// Marks feedback copies the collector acknowledged (committed to its store); their email text is dropped
    /// from the outbox (it now lives in the store).
    public func markFeedbackAcknowledged(_ ids: [String]) throws {
        try database.runIn("UPDATE \(table) SET feedback_sent = 1, email_json = NULL, shadow_json = NULL WHERE id IN (%ids)",
                           ids: ids, operation: "mark feedback acknowledged")
    }

    /// How many feedback copies wait in the spool (not acknowledged yet).
    public func feedbackBacklog() throws -> Int {
        Int(try database.firstInt("SELECT count(*) FROM \(table) WHERE feedback_sent = 0 AND owner = ?", [.text(owner)],
                                  operation: "count the feedback spool") ?? 0)
    }

    private func lookup(_ id: String) throws -> OutboxRecord? {
        try find.each([.text(id)]) { try self.decode($0) }.first
    }

    /// The columns ``decode(_:)`` reads, in its order.
    private static let recordColumns = "seq, assignment_json, email_json, shadow_json"

    private func decode(_ row: any StoreRow) throws -> OutboxRecord {
        let assignment = try decoder.decode(Assignment.self, from: Data((row.text(at: 1) ?? "").utf8))
        let email = try row.text(at: 2).map { try decoder.decode(CleanedEmail.self, from: Data($0.utf8)) }
        let shadow = try row.text(at: 3).map { try decoder.decode(Prediction.self, from: Data($0.utf8)) }
        return OutboxRecord(sequence: row.int(at: 0), assignment: assignment,
                            email: email ?? CleanedEmail(id: assignment.id, subject: "", text: ""), shadow: shadow)
    }
}

/// A read-only view of one router replica's stream for subscribers that missed publications (the router's snapshot
/// server).
public final class OutboxReader {
    private let database: any StoreConnection
    private let table: String
    private let owner: String
    private let decoder = JSONDecoder()

    /// Opens the outbox at `path` (a file the router's ``RouterOutbox`` created, or its server) for `owner`'s stream.
    public init(path: String, owner: String = "router-0", busyTimeoutMs: Int32 = 5000) throws {
        switch StoreLocation(path) {
        case .sqlite(let file): database = try SQLiteDatabase(path: file, busyTimeoutMs: busyTimeoutMs)
        case .postgres(let url): database = try PostgresDatabase(url: url)
        }
        table = RouterOutbox.table(database)
        self.owner = database is PostgresDatabase ? owner : ""
    }

    /// The highest sequence number recorded (0 when empty).
    public func lastSequence() throws -> Int64 {
        try database.firstInt("SELECT coalesce(max(seq), 0) FROM \(table) WHERE owner = ?", [.text(owner)],
                              operation: "read the last sequence") ?? 0
    }

    /// Assignments with a sequence number after `sequence`, in order, at most `limit`.
    public func assignments(after sequence: Int64, limit: Int) throws -> [(sequence: Int64, assignment: Assignment)] {
        try database.query("SELECT seq, assignment_json FROM \(table) WHERE owner = ? AND seq > ? ORDER BY seq LIMIT ?",
                           operation: "read assignments after a sequence number")
            .each([.text(owner), .int(sequence), .int(Int64(limit))]) { row in
                (row.int(at: 0), try decoder.decode(Assignment.self, from: Data((row.text(at: 1) ?? "").utf8)))
            }
    }
}
