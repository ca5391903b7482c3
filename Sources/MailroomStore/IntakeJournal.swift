// IntakeJournal: the gateway's durable record of every accepted email and outcome (SQLite, WAL, synchronous=FULL):
// written and fsync'd before the client hears 200/202, read back after a crash or restart so that nothing accepted
// is lost and every id answers the same way it did before.
import CSQLite
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
    /// The schema version written to `PRAGMA user_version`.
    public static let schemaVersion: Int64 = 1

    public let database: SQLiteDatabase
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()
    private let decoder = JSONDecoder()

    /// Opens or creates the journal at `path` (creating its folder): WAL, `synchronous=FULL` (a commit is on disk
    /// when it returns, so an answered request survives a power cut as well as a crash).
    /// - Throws: ``StoreError/open(path:code:message:)``.
    public init(path: String, busyTimeoutMs: Int32 = 5000) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? PrivateFiles.makeDirectory(folder) }  // emails: this user only
        let db = try SQLiteDatabase.openStore(path: path, schema: Self.schema, schemaVersion: Self.schemaVersion,
                                              durability: .full, busyTimeoutMs: busyTimeoutMs)
        database = db
    }

    /// Opens another gateway replica's journal for reading only (``entry(_:)``); it must exist.
    /// - Throws: ``StoreError/open(path:code:message:)``.
    public init(readingFrom path: String, busyTimeoutMs: Int32 = 1000) throws {
        database = try SQLiteDatabase(path: path, readOnly: true, busyTimeoutMs: busyTimeoutMs)
    }

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

    /// The fingerprint that tells a repeated id with the same content from one with other content: SHA-256 of the
    /// email's canonical JSON (sorted keys; every field, id included).
    public func contentHash(of email: Email) throws -> String {
        var digest = SHA256Digest()
        digest.update(try encoder.encode(email))
        return digest.finalize()
    }

    /// Accepts a batch in one transaction: all of it or, when an id is known with other content, none of it.
    /// - Returns: one decision per email, in order.
    /// - Throws: ``IntakeJournalError/conflict(ids:)`` (nothing was written), or a ``StoreError``.
    public func accept(_ emails: [Email], atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws -> [IntakeDecision] {
        try database.transaction("accept emails") {
            var decisions: [IntakeDecision] = []
            var conflicts: [String] = []
            for email in emails {
                let hash = try contentHash(of: email)
                if var known = try entry(email.id) {
                    if known.contentSHA256 != hash { conflicts.append(email.id); continue }
                    if known.state == .failed {
                        // A dead letter submitted again: it starts over.
                        try database.prepare("UPDATE emails SET state = 'pending', attempts = 0, failure = NULL, updated_at_ms = ? WHERE id = ?",
                                             operation: "re-accept failed email").run([.int(now), .text(email.id)])
                        decisions.append(.accepted)
                        continue
                    }
                    known.email = email
                    decisions.append(.known(known))
                    continue
                }
                try database.prepare("""
                    INSERT INTO emails (id, content_sha256, email_json, state, attempts, accepted_at_ms, updated_at_ms)
                    VALUES (?, ?, ?, 'pending', 0, ?, ?)
                    """, operation: "accept email").run([.text(email.id), .text(hash), .text(try json(email)), .int(now), .int(now)])
                decisions.append(.accepted)
            }
            guard conflicts.isEmpty else { throw IntakeJournalError.conflict(ids: conflicts) }
            return decisions
        }
    }

    /// The entry for `id`, or nil when it was never accepted.
    public func entry(_ id: String) throws -> IntakeEntry? {
        let statement = try database.prepare(
            "SELECT email_json, content_sha256, state, attempts, result_json, failure FROM emails WHERE id = ?",
            operation: "read email")
        return try statement.rows([.text(id)]) { try self.entry(from: $0, id: id) }.first
    }

    /// Every pending email, oldest first (what a restarted gateway sends again).
    public func pending() throws -> [IntakeEntry] {
        let statement = try database.prepare("""
            SELECT email_json, content_sha256, state, attempts, result_json, failure, id FROM emails
            WHERE state = 'pending' ORDER BY accepted_at_ms, id
            """, operation: "read pending emails")
        return try statement.rows { try self.entry(from: $0, id: $0.text(at: 6) ?? "") }
    }

    /// Counts one more send into the pipeline for each of `ids` (one transaction: one fsync for a whole request).
    public func recordAttempts(_ ids: [String], atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws {
        try database.runEach("UPDATE emails SET attempts = attempts + 1, updated_at_ms = ? WHERE id = ? AND state = 'pending'",
                             operation: "record attempts", rows: ids.map { [.int(now), .text($0)] })
    }

    /// Stores results (one transaction). Ids the journal does not know are skipped.
    public func recordResults(_ assignments: [Assignment], atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws {
        try database.runEach("UPDATE emails SET state = 'done', result_json = ?, failure = NULL, updated_at_ms = ? WHERE id = ?",
                             operation: "record results",
                             rows: try assignments.map { [.text(try json($0)), .int(now), .text($0.id)] })
    }

    /// Takes back an email accepted moments ago that could not be sent (the client is told it was not accepted).
    /// Only a pending email never sent is removed.
    public func withdraw(_ id: String) throws {
        try database.prepare("DELETE FROM emails WHERE id = ? AND state = 'pending' AND attempts = 0",
                             operation: "withdraw email").run([.text(id)])
    }

    /// Marks `id` failed (the dead letter) with the reason, unless it has a result meanwhile.
    public func recordFailure(_ id: String, reason: String, atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws {
        try database.prepare("UPDATE emails SET state = 'failed', failure = ?, updated_at_ms = ? WHERE id = ? AND state = 'pending'",
                             operation: "record failure").run([.text(reason), .int(now), .text(id)])
    }

    /// How many emails are in each state.
    public func counts() throws -> [IntakeState: Int] {
        var out: [IntakeState: Int] = [:]
        let statement = try database.prepare("SELECT state, COUNT(*) FROM emails GROUP BY state", operation: "count emails")
        let rows = try statement.rows([]) { row in (row.text(at: 0) ?? "", Int(row.int(at: 1))) }
        for (state, n) in rows { if let s = IntakeState(rawValue: state) { out[s] = n } }
        return out
    }

    // MARK: outcomes

    /// Journals a closed-case outcome before it is acknowledged; returns its sequence number.
    @discardableResult
    public func acceptOutcome(_ outcome: Outcome, atUnixMs now: Int64 = FeedbackStore.nowUnixMs()) throws -> Int64 {
        try database.prepare("INSERT INTO outcomes (email_id, outcome_json, accepted_at_ms) VALUES (?, ?, ?)",
                             operation: "accept outcome").run([.text(outcome.id), .text(try json(outcome)), .int(now)])
        return sqlite3_last_insert_rowid(database.handle)
    }

    /// Outcomes not yet handed to the feedback-collector, oldest first, at most `limit`.
    public func unsentOutcomes(limit: Int = 1000) throws -> [(seq: Int64, outcome: Outcome)] {
        try database.prepare("SELECT seq, outcome_json FROM outcomes WHERE sent = 0 ORDER BY seq LIMIT ?",
                             operation: "read unsent outcomes").rows([.int(Int64(limit))]) { row in
            let seq = row.int(at: 0)
            guard let text = row.text(at: 1), let outcome = try? decoder.decode(Outcome.self, from: Data(text.utf8)) else {
                throw StoreError.corruptRow(table: "outcomes", id: "\(seq)", reason: "outcome_json does not decode")
            }
            return (seq, outcome)
        }
    }

    /// Marks an outcome as handed on.
    /// Marks every unsent outcome of these email ids as delivered (the collector's receipt).
    /// - Returns: the journal sequence numbers marked.
    public func recordOutcomesAcknowledged(emailIDs: [String]) throws -> [Int64] {
        try database.transaction("record outcome receipts") {
            let find = try database.prepare("SELECT seq FROM outcomes WHERE email_id = ? AND sent = 0",
                                            operation: "find acknowledged outcomes")
            let mark = try database.prepare("UPDATE outcomes SET sent = 1 WHERE seq = ?", operation: "record outcome receipt")
            var marked: [Int64] = []
            for id in emailIDs {
                for seq in try find.rows([.text(id)], { $0.int(at: 0) }) {
                    try mark.run([.int(seq)])
                    marked.append(seq)
                }
            }
            return marked
        }
    }

    /// Dead letters, most recent first: id, why, attempts, when (Unix ms).
    public func failed(limit: Int = 1000) throws -> [(id: String, reason: String, attempts: Int, atUnixMs: Int64)] {
        try database.prepare("SELECT id, failure, attempts, updated_at_ms FROM emails WHERE state = 'failed' ORDER BY updated_at_ms DESC LIMIT ?",
                             operation: "read dead letters").rows([.int(Int64(limit))]) { row in
            (row.text(at: 0) ?? "", row.text(at: 1) ?? "", Int(row.int(at: 2)), row.int(at: 3))
        }
    }

    public func recordOutcomeSent(_ seq: Int64) throws {
        try database.prepare("UPDATE outcomes SET sent = 1 WHERE seq = ?", operation: "record outcome sent").run([.int(seq)])
    }

    // MARK: helpers

    private func json(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }

    private func entry(from row: SQLiteStatement, id: String) throws -> IntakeEntry {
        func decode<T: Decodable>(_ type: T.Type, _ column: Int32, _ name: String) throws -> T? {
            guard let text = row.text(at: column) else { return nil }
            do { return try decoder.decode(T.self, from: Data(text.utf8)) } catch {
                throw StoreError.corruptRow(table: "emails", id: id, reason: "\(name) does not decode: \(error)")
            }
        }
        guard let email = try decode(Email.self, 0, "email_json"),
              let state = IntakeState(rawValue: row.text(at: 2) ?? "") else {
            throw StoreError.corruptRow(table: "emails", id: id, reason: "missing email or unknown state")
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
