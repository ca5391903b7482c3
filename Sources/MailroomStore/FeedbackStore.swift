// FeedbackStore: the feedback-collector's store of routed predictions and CRM outcomes: SQLite (WAL) on one machine,
// PostgreSQL when more than one replica writes (`--database postgres://…`).
import CSQLite
import Foundation
import MailroomCore

/// Stores each routed prediction and each reported outcome, keyed by email id, and joins them at
/// report time (an outcome may arrive before its prediction).
///
/// Recording is idempotent: recording the same email's prediction or outcome again replaces the row
/// (latest wins), so replays and retries never double-count.
///
/// One `FeedbackStore` is one connection and is deliberately not `Sendable`: use it from one
/// thread or actor (the feedback-collector wraps it in an actor). Other threads or processes that only
/// read open their own `FeedbackStore` on the same file (WAL mode lets them read while it writes) or server.
public final class FeedbackStore {
    /// The schema version written to `PRAGMA user_version` (SQLite).
    public static var schemaVersion: Int64 { tables.sqliteVersion }

    public let database: any StoreConnection
    /// The SQLite connection, when the store is a file.
    public var sqlite: SQLiteDatabase? { database as? SQLiteDatabase }
    private let upsertPrediction: any StoreQuery
    private let upsertOutcome: any StoreQuery
    private let upsertShadow: any StoreQuery

    /// Opens or creates the store at `path`, a SQLite file or a `postgres://` URL: creates or migrates the schema
    /// (SQLite: WAL and a busy timeout too).
    /// - Throws: ``StoreError/open(path:code:message:)`` when the file cannot be opened or is not a
    ///   database; ``StoreError/sqlite(operation:code:message:)`` when the schema cannot be created;
    ///   ``StoreError/postgresOpen(location:message:)`` and ``StoreError/postgres(operation:message:)`` likewise
    ///   for a server.
    public init(path: String, busyTimeoutMs: Int32 = 5000) throws {
        // In WAL mode NORMAL is durable across application crashes and skips an fsync per commit.
        let db = try StoreLocation(path).open(Self.tables, durability: .normal, busyTimeoutMs: busyTimeoutMs)
        database = db
        upsertPrediction = try db.query("""
            INSERT INTO predictions (email_id, model_version, subject, text, language, assigned_queue,
                                     needs_review, heads_json, predicted_at_ms, custodian_bank)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(email_id) DO UPDATE SET
              model_version = excluded.model_version, subject = excluded.subject, text = excluded.text,
              language = excluded.language, custodian_bank = excluded.custodian_bank, assigned_queue = excluded.assigned_queue,
              needs_review = excluded.needs_review, heads_json = excluded.heads_json,
              predicted_at_ms = excluded.predicted_at_ms
            """, operation: "record prediction")
        upsertOutcome = try db.query("""
            INSERT INTO outcomes (email_id, labels_json, resolution, closed_at, received_at_ms)
            VALUES (?, ?, ?, ?, ?)
            ON CONFLICT(email_id) DO UPDATE SET
              labels_json = excluded.labels_json, resolution = excluded.resolution,
              closed_at = excluded.closed_at, received_at_ms = excluded.received_at_ms
            """, operation: "record outcome")
        upsertShadow = try db.query("""
            INSERT INTO shadow_predictions (email_id, model_version, heads_json, predicted_at_ms) VALUES (?, ?, ?, ?)
            ON CONFLICT(email_id, model_version) DO UPDATE SET
              heads_json = excluded.heads_json, predicted_at_ms = excluded.predicted_at_ms
            """, operation: "record shadow prediction")
    }

    static let tables = StoreSchema(component: "feedback", sqlite: schema, sqliteMigrations: migrations,
                                    postgres: postgresMigrations)

    static let schema = """
        CREATE TABLE IF NOT EXISTS predictions (
          email_id        TEXT PRIMARY KEY,
          model_version   TEXT NOT NULL,
          subject         TEXT NOT NULL,
          text            TEXT NOT NULL,     -- the cleaned text the model read
          language        TEXT,
          assigned_queue  TEXT NOT NULL,
          needs_review    INTEGER NOT NULL,  -- 0 or 1
          heads_json      TEXT NOT NULL,     -- {"head": {"label": "…", "confidence": 0.93}}
          predicted_at_ms INTEGER NOT NULL   -- Unix epoch ms
        );
        CREATE INDEX IF NOT EXISTS predictions_by_model_version ON predictions(model_version);
        CREATE TABLE IF NOT EXISTS outcomes (
          email_id        TEXT PRIMARY KEY,
          labels_json     TEXT NOT NULL,     -- {"head": "true label"}
          resolution      TEXT,
          closed_at       TEXT,              -- as the CRM sent it
          received_at_ms  INTEGER NOT NULL   -- Unix epoch ms, when the store recorded it
        );
        """

    /// Version 3: the email's custodian bank beside its language (a structured model input, so retraining sets
    /// carry it as served). Version 2: the predictions of a candidate run in shadow beside the served model (`mailroom registry shadow`),
    /// one row per email and shadow version; joined to outcomes like the served predictions.
    static let migrations = ["""
        CREATE TABLE IF NOT EXISTS shadow_predictions (
          email_id        TEXT NOT NULL,
          model_version   TEXT NOT NULL,
          heads_json      TEXT NOT NULL,     -- as in predictions
          predicted_at_ms INTEGER NOT NULL,  -- Unix epoch ms
          PRIMARY KEY (email_id, model_version)
        );
        CREATE INDEX IF NOT EXISTS shadow_predictions_by_model_version ON shadow_predictions(model_version);
        """, """
        ALTER TABLE predictions ADD COLUMN custodian_bank TEXT;  -- a model input: retraining rows keep it
        """]

    /// The same tables on PostgreSQL, one migration per version (`mailroom_schema`); epoch-ms columns are BIGINT.
    static let postgresMigrations = ["""
        CREATE TABLE IF NOT EXISTS predictions (
          email_id        TEXT PRIMARY KEY,
          model_version   TEXT NOT NULL,
          subject         TEXT NOT NULL,
          text            TEXT NOT NULL,
          language        TEXT,
          assigned_queue  TEXT NOT NULL,
          needs_review    INTEGER NOT NULL,
          heads_json      TEXT NOT NULL,
          predicted_at_ms BIGINT NOT NULL,
          custodian_bank  TEXT
        );
        CREATE INDEX IF NOT EXISTS predictions_by_model_version ON predictions(model_version);
        CREATE TABLE IF NOT EXISTS outcomes (
          email_id        TEXT PRIMARY KEY,
          labels_json     TEXT NOT NULL,
          resolution      TEXT,
          closed_at       TEXT,
          received_at_ms  BIGINT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS shadow_predictions (
          email_id        TEXT NOT NULL,
          model_version   TEXT NOT NULL,
          heads_json      TEXT NOT NULL,
          predicted_at_ms BIGINT NOT NULL,
          PRIMARY KEY (email_id, model_version)
        );
        CREATE INDEX IF NOT EXISTS shadow_predictions_by_model_version ON shadow_predictions(model_version);
        """]

    /// Records (or replaces) the routed prediction for `email.id`.
    /// - Parameters:
    ///   - email: the cleaned email the model read.
    ///   - assignment: the router's decision, with the prediction.
    ///   - predictedAtUnixMs: when it was routed.
    public func record(email: CleanedEmail, assignment: Assignment,
                       predictedAtUnixMs: Int64 = FeedbackStore.nowUnixMs()) throws {
        var heads: [String: (label: String, confidence: Double)] = [:]
        for (head, p) in assignment.prediction.heads {
            guard p.confidence.isFinite else {
                throw StoreError.invalidInput(id: email.id, reason: "confidence of head \(head) is not a finite number")
            }
            heads[head] = (p.label, p.confidence)
        }
        try upsertPrediction.run([
            .text(email.id), .text(assignment.prediction.modelVersion), .text(email.subject), .text(email.text),
            email.language.map { .text($0) } ?? .null, .text(assignment.assignedQueue),
            .int(assignment.needsReview ? 1 : 0), .text(FlatJSON.heads(heads)), .int(predictedAtUnixMs),
            email.custodianBank.map { .text($0) } ?? .null,
        ])
    }

    /// Records (or replaces) a shadow model's prediction for `shadow.id` (never routed; kept to compare it with the
    /// served model on the same closed cases).
    public func record(shadow: Prediction, predictedAtUnixMs: Int64 = FeedbackStore.nowUnixMs()) throws {
        var heads: [String: (label: String, confidence: Double)] = [:]
        for (head, p) in shadow.heads {
            guard p.confidence.isFinite else {
                throw StoreError.invalidInput(id: shadow.id, reason: "shadow confidence of head \(head) is not a finite number")
            }
            heads[head] = (p.label, p.confidence)
        }
        try upsertShadow.run([.text(shadow.id), .text(shadow.modelVersion), .text(FlatJSON.heads(heads)), .int(predictedAtUnixMs)])
    }

    /// Records (or replaces) the outcome for `outcome.id`; it is kept even if no prediction exists yet.
    public func record(_ outcome: Outcome, receivedAtUnixMs: Int64 = FeedbackStore.nowUnixMs()) throws {
        try upsertOutcome.run([
            .text(outcome.id), .text(FlatJSON.object(outcome.labels)), outcome.resolution.map { .text($0) } ?? .null,
            outcome.closedAt.map { .text($0) } ?? .null, .int(receivedAtUnixMs),
        ])
    }

    /// Runs `body` (several `record` calls) in one transaction: much faster than one commit per record.
    public func inTransaction<R>(_ body: () throws -> R) throws -> R {
        try database.transaction("record batch", body)
    }

    /// Numbers of predictions, outcomes, and emails with both.
    public func counts() throws -> FeedbackCounts {
        let statement = try database.query("""
            SELECT (SELECT count(*) FROM predictions), (SELECT count(*) FROM outcomes),
                   (SELECT count(*) FROM outcomes o JOIN predictions p ON p.email_id = o.email_id)
            """, operation: "count rows")
        return try statement.each([]) { row in
            FeedbackCounts(predictions: Int(row.int(at: 0)), outcomes: Int(row.int(at: 1)), closed: Int(row.int(at: 2)))
        }.first ?? FeedbackCounts(predictions: 0, outcomes: 0, closed: 0)
    }

    /// The current wall-clock time in Unix epoch milliseconds.
    public static func nowUnixMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
