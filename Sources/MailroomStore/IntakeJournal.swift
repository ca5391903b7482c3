// IntakeJournal: the gateway's durable record of every accepted email and outcome: written (and on disk) before the
// client hears 200/202, read back after a crash or restart so that nothing accepted is lost and every id answers the
// same way it did before. A SQLite file per gateway replica (WAL, synchronous=FULL) on one machine; on a shared
// PostgreSQL server (`--journal postgres://…`) the replicas share two tables, each row owned by the replica that
// journaled it, so any replica answers for any id and an id is one email across all of them.
import Foundation
import MailroomCore

/// Where an accepted email stands.
public enum IntakeState: String, Sendable, Codable {
    /// Accepted, no result yet (being classified, or waiting to be re-sent).
    case pending
    /// Routed: the result is stored.
    case done
    /// Given up after the retry cap (a dead letter): visible, and re-submittable with the same content.
    case failed
}

/// One email as the journal holds it.
public struct IntakeEntry: Sendable, Equatable {
    public var email: Email
    public var contentSHA256: String
    public var state: IntakeState
    /// Times the email was sent into the pipeline.
    public var attempts: Int
    public var result: Assignment?
    /// Why it failed (dead letters only).
    public var failure: String?
}

/// What accepting one email found.
public enum IntakeDecision: Sendable, Equatable {
    /// New (or a failed email submitted again with the same content): now pending, to be sent.
    case accepted
    /// The same id with the same content was accepted before: answer from the journal.
    case known(IntakeEntry)
}

/// The journal of one gateway. One connection, deliberately not `Sendable`: the gateway's dispatcher actor owns it.
public final class IntakeJournal {
    /// The SQLite file's `PRAGMA user_version`.
    public static var schemaVersion: Int64 { tables.sqliteVersion }

    public let database: any StoreConnection
    /// The gateway replica whose rows these are on a shared server (`gateway-0`); "" in a SQLite file (the file is
    /// the replica's).
    public let owner: String
    /// Whether ``entry(_:)`` sees every gateway replica's emails (a shared server): the replicas need not read each
    /// other's files.
    public var sharedAcrossReplicas: Bool { database is PostgresDatabase }
    private let emails: String
    private let outcomes: String
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    private let decoder = JSONDecoder()

    /// Opens or creates the journal at `path`: a SQLite file (creating its folder; WAL, `synchronous=FULL`, so a
    /// commit is on disk when it returns and an answered request survives a power cut as well as a crash), or a
    /// `postgres://` URL, where `owner` names this gateway replica's rows (PostgreSQL commits are durable by its
    /// `synchronous_commit`).
    /// - Throws: ``StoreError/open(path:code:message:)`` or ``StoreError/postgresOpen(location:message:)``.
    public init(path: String, owner: String = "gateway-0", busyTimeoutMs: Int32 = 5000) throws {
        database = try StoreLocation(path).open(Self.tables, durability: .full, busyTimeoutMs: busyTimeoutMs,
                                                creatingFolder: true)
        (self.owner, emails, outcomes) = Self.naming(database, owner: owner)
    }

    /// Opens another gateway replica's SQLite journal for reading only (``entry(_:)``); it must exist.
    /// - Throws: ``StoreError/open(path:code:message:)``.
    public init(readingFrom path: String, busyTimeoutMs: Int32 = 1000) throws {
        database = try SQLiteDatabase(path: path, readOnly: true, busyTimeoutMs: busyTimeoutMs)
        (owner, emails, outcomes) = Self.naming(database, owner: "")
    }

    /// The owner and table names on this backend: a server's tables sit beside the feedback store's, so they are
    /// prefixed (the feedback store has an `outcomes` table too).
    private static func naming(_ database: any StoreConnection, owner: String) -> (String, String, String) {
        database is PostgresDatabase ? (owner, "journal_emails", "journal_outcomes") : ("", "emails", "outcomes")
    }

    static let tables = StoreSchema(component: "journal", sqlite: schema, sqliteMigrations: migrations, postgres: postgresMigrations)

    static let schema = """
        CREATE TABLE IF NOT EXISTS emails (
          id TEXT PRIMARY KEY,
          content_sha256 TEXT NOT NULL,
          email_json TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          result_json TEXT,
          failure TEXT,
          accepted_at_ms INTEGER NOT NULL,
          updated_at_ms INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS emails_pending ON emails (accepted_at_ms) WHERE state = 'pending';
        CREATE TABLE IF NOT EXISTS outcomes (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          email_id TEXT NOT NULL,
          outcome_json TEXT NOT NULL,
          accepted_at_ms INTEGER NOT NULL,
          sent INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS outcomes_unsent ON outcomes (seq) WHERE sent = 0;
        """
    /// Version 2: an `owner` column, so that a file and a server run the same statements (a file's rows are "").
    static let migrations = ["""
        ALTER TABLE emails ADD COLUMN owner TEXT NOT NULL DEFAULT '';
        ALTER TABLE outcomes ADD COLUMN owner TEXT NOT NULL DEFAULT '';
        """]
    /// The same on PostgreSQL (`mailroom_schema` component `journal`): every replica's rows, by owner.
    static let postgresMigrations = ["""
        CREATE TABLE IF NOT EXISTS journal_emails (
          id TEXT PRIMARY KEY,
          owner TEXT NOT NULL,
          content_sha256 TEXT NOT NULL,
          email_json TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
          attempts INTEGER NOT NULL DEFAULT 0,
          result_json TEXT,
          failure TEXT,
          accepted_at_ms BIGINT NOT NULL,
          updated_at_ms BIGINT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS journal_emails_pending ON journal_emails (owner, accepted_at_ms) WHERE state = 'pending';
        CREATE TABLE IF NOT EXISTS journal_outcomes (
          seq BIGSERIAL PRIMARY KEY,
          owner TEXT NOT NULL,
          email_id TEXT NOT NULL,
          outcome_json TEXT NOT NULL,
          accepted_at_ms BIGINT NOT NULL,
          sent INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX IF NOT EXISTS journal_outcomes_unsent ON journal_outcomes (owner, seq) WHERE sent = 0;
        """]

    /// The fingerprint that tells a repeated id with the same content from one with other content: SHA-256 of the
    /// email's canonical JSON (sorted keys; every field, id included).
    public func contentHash(of email: Email) throws -> String {
        var digest = SHA256Digest()
        digest.update(try encoder.encode(email))
        return digest.finalize()
    }

    /// Accepts a batch in one transaction: all of it or, when an id is known with other content, none of it. On a
    /// shared server an id another replica journaled is known here too, and one accepted by two replicas at the
    /// same moment is journaled once (the second finds the first's row).
    /// - Returns: one decision per email, in order.
    /// - Throws: ``IntakeJournalError/conflict(ids:)`` (nothing was written), or a ``StoreError``.
    public func accept(_ batch: [Email], atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws -> [IntakeDecision] {
        try database.transaction("accept emails") {
            let insert = try database.query("""
                INSERT INTO \(emails) (id, owner, content_sha256, email_json, state, attempts, accepted_at_ms, updated_at_ms)
                VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING id
                """, operation: "accept email")
            var decisions = [IntakeDecision?](repeating: nil, count: batch.count)
            var conflicts: [Int] = []
            // In id order: two replicas accepting overlapping batches on a server take the rows' locks in the same
            // order, so neither waits for the other in a cycle (a deadlock would fail one request).
            // What the journal holds of the batch already, in one read.
            var held: [String: IntakeEntry] = [:]
            for entry in try database.eachIn("""
                SELECT \(Self.entryColumns) FROM \(emails) WHERE id IN (%ids)
                """, ids: batch.map(\.id), operation: "read known emails", { try self.entry(from: $0) }) {
                held[entry.email.id] = entry
            }
            for index in batch.indices.sorted(by: { batch[$0].id < batch[$1].id }) {
                let email = batch[index]
                let hash = try contentHash(of: email)
                var known = held[email.id]
                if known == nil {
                    let inserted = try insert.each([.text(email.id), .text(owner), .text(hash), .text(try json(email)),
                                                    .int(now), .int(now)]) { $0.text(at: 0) }
                    if !inserted.isEmpty { decisions[index] = .accepted; continue }
                    known = try entry(email.id)  // another replica journaled it meanwhile
                }
                guard var known else {
                    throw StoreError.corruptRow(table: emails, id: email.id, reason: "neither inserted nor found")
                }
                if known.contentSHA256 != hash { conflicts.append(index); continue }
                if known.state == .failed {
                    // A dead letter submitted again: it starts over, owned by the replica that took it now.
                    try database.query("""
                        UPDATE \(emails) SET state = 'pending', attempts = 0, failure = NULL, owner = ?, updated_at_ms = ?
                        WHERE id = ?
                        """, operation: "re-accept failed email").run([.text(owner), .int(now), .text(email.id)])
                    decisions[index] = .accepted
                    continue
                }
                known.email = email
                decisions[index] = .known(known)
            }
            guard conflicts.isEmpty else { throw IntakeJournalError.conflict(ids: conflicts.sorted().map { batch[$0].id }) }
            return decisions.compactMap { $0 }
        }
    }

    /// The entry for `id` (any replica's, on a shared server), or nil when it was never accepted.
    public func entry(_ id: String) throws -> IntakeEntry? {
        try database.query("SELECT \(Self.entryColumns) FROM \(emails) WHERE id = ?",
                           operation: "read email").each([.text(id)]) { try self.entry(from: $0) }.first
    }

    /// Every pending email this replica journaled, oldest first (what a restarted gateway sends again).
    public func pending() throws -> [IntakeEntry] {
        try database.query("""
            SELECT \(Self.entryColumns) FROM \(emails)
            WHERE state = 'pending' AND owner = ? ORDER BY accepted_at_ms, id
            """, operation: "read pending emails").each([.text(owner)]) { try self.entry(from: $0) }
    }

    /// Counts one more send into the pipeline for each of `ids` (one transaction: one fsync for a whole request).
    public func recordAttempts(_ ids: [String], atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws {
        try database.runIn("UPDATE \(emails) SET attempts = attempts + 1, updated_at_ms = ? WHERE state = 'pending' AND id IN (%ids)",
                           ids: ids, before: [.int(now)], operation: "record attempts")
    }

    /// Stores results (one transaction). Ids the journal does not know are skipped.
    public func recordResults(_ assignments: [Assignment], atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws {
        try database.runEach("UPDATE \(emails) SET state = 'done', result_json = ?, failure = NULL, updated_at_ms = ? WHERE id = ?",
                             operation: "record results",
                             rows: try assignments.map { [.text(try json($0)), .int(now), .text($0.id)] })
    }

    /// Takes back an email this replica accepted moments ago and could not send (the client is told it was not
    /// accepted). Only a pending email never sent is removed.
    public func withdraw(_ id: String) throws {
        try database.query("DELETE FROM \(emails) WHERE id = ? AND owner = ? AND state = 'pending' AND attempts = 0",
                           operation: "withdraw email").run([.text(id), .text(owner)])
    }

    /// Marks `id` failed (the dead letter) with the reason, unless it has a result meanwhile.
    public func recordFailure(_ id: String, reason: String, atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws {
        try database.query("UPDATE \(emails) SET state = 'failed', failure = ?, updated_at_ms = ? WHERE id = ? AND state = 'pending'",
                           operation: "record failure").run([.text(reason), .int(now), .text(id)])
    }

    /// How many of this replica's emails are in each state.
    public func counts() throws -> [IntakeState: Int] {
        var out: [IntakeState: Int] = [:]
        let rows = try database.query("SELECT state, COUNT(*) FROM \(emails) WHERE owner = ? GROUP BY state",
                                      operation: "count emails").each([.text(owner)]) { row in (row.text(at: 0) ?? "", Int(row.int(at: 1))) }
        for (state, n) in rows { if let s = IntakeState(rawValue: state) { out[s] = n } }
        return out
    }

    // MARK: outcomes

    /// Journals a closed-case outcome before it is acknowledged; returns its sequence number.
    @discardableResult
    public func acceptOutcome(_ outcome: Outcome, atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws -> Int64 {
        guard let seq = try database.firstInt("INSERT INTO \(outcomes) (owner, email_id, outcome_json, accepted_at_ms) VALUES (?, ?, ?, ?) RETURNING seq",
                                              [.text(owner), .text(outcome.id), .text(try json(outcome)), .int(now)],
                                              operation: "accept outcome") else {
            throw StoreError.corruptRow(table: outcomes, id: outcome.id, reason: "the insert returned no sequence number")
        }
        return seq
    }

    /// This replica's outcomes not yet handed to the feedback-collector, oldest first, at most `limit`.
    public func unsentOutcomes(limit: Int = 1000) throws -> [(seq: Int64, outcome: Outcome)] {
        try database.query("SELECT seq, outcome_json FROM \(outcomes) WHERE sent = 0 AND owner = ? ORDER BY seq LIMIT ?",
                           operation: "read unsent outcomes").each([.text(owner), .int(Int64(limit))]) { row in
            let seq = row.int(at: 0)
            guard let text = row.text(at: 1), let outcome = try? decoder.decode(Outcome.self, from: Data(text.utf8)) else {
                throw StoreError.corruptRow(table: outcomes, id: "\(seq)", reason: "outcome_json does not decode")
            }
            return (seq, outcome)
        }
    }

    /// Marks every unsent outcome of these email ids that this replica journaled as delivered (the collector's
    /// receipt).
    /// - Returns: the journal sequence numbers marked.
    public func recordOutcomesAcknowledged(emailIDs: [String]) throws -> [Int64] {
        try database.transaction("record outcome receipts") {
            let mark = try database.query("UPDATE \(outcomes) SET sent = 1 WHERE email_id = ? AND owner = ? AND sent = 0 RETURNING seq",
                                          operation: "record outcome receipt")
            return try emailIDs.flatMap { id in try mark.each([.text(id), .text(owner)]) { $0.int(at: 0) } }
        }
    }

    /// This replica's dead letters, most recent first: id, why, attempts, when (Unix ms).
    public func failed(limit: Int = 1000) throws -> [(id: String, reason: String, attempts: Int, atUnixMs: Int64)] {
        try database.query("SELECT id, failure, attempts, updated_at_ms FROM \(emails) WHERE state = 'failed' AND owner = ? ORDER BY updated_at_ms DESC LIMIT ?",
                           operation: "read dead letters").each([.text(owner), .int(Int64(limit))]) { row in
            (row.text(at: 0) ?? "", row.text(at: 1) ?? "", Int(row.int(at: 2)), row.int(at: 3))
        }
    }

    /// Marks an outcome as handed on.
    public func recordOutcomeSent(_ seq: Int64) throws {
        try database.query("UPDATE \(outcomes) SET sent = 1 WHERE seq = ?", operation: "record outcome sent").run([.int(seq)])
    }

    // MARK: helpers

    private func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    /// The columns ``entry(from:)`` reads, in its order.
    private static let entryColumns = "email_json, content_sha256, state, attempts, result_json, failure, id"

    private func entry(from row: any StoreRow) throws -> IntakeEntry {
        let id = row.text(at: 6) ?? ""
        func decode<T: Decodable>(_ type: T.Type, _ column: Int32, _ name: String) throws -> T? {
            guard let text = row.text(at: column) else { return nil }
            do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
                throw StoreError.corruptRow(table: emails, id: id, reason: "\(name) does not decode: \(error)")
            }
        }
        guard let email = try decode(Email.self, 0, "email_json"),
              let state = IntakeState(rawValue: row.text(at: 2) ?? "") else {
            throw StoreError.corruptRow(table: emails, id: id, reason: "missing email or unknown state")
        }
        return IntakeEntry(email: email, contentSHA256: row.text(at: 1) ?? "", state: state, attempts: Int(row.int(at: 3)),
                           result: try decode(Assignment.self, 4, "result_json"), failure: row.text(at: 5))
    }
}

/// Errors of ``IntakeJournal`` that the client must act on.
public enum IntakeJournalError: Error, Equatable, CustomStringConvertible {
    /// These ids were accepted before with other content; an id is an idempotency key.
    case conflict(ids: [String])

    public var description: String {
        switch self {
        case .conflict(let ids):
            "id \(ids.prefix(5).joined(separator: ", ")) was already accepted with different content; an id is an idempotency key: send a new id for a new email"
        }
    }
}
