// SQLiteDatabase+Store: the one way Mailroom's stores open their file: WAL, a chosen durability, a versioned schema.
import CSQLite

extension SQLiteDatabase {
    /// How much a commit survives.
    public enum Durability: String, Sendable {
        /// Survives the process crashing (WAL without an fsync per commit): the feedback store.
        case normal = "NORMAL"
        /// Survives power loss too (an fsync per commit): the gateway's intake journal, whose commits answer clients.
        case full = "FULL"
    }

    /// Opens (creating if needed) a store at `path` in WAL mode, creates `schema` and brings it to `schemaVersion`.
    /// A file belongs to one store, `component` (its `PRAGMA application_id`): a file another store made is refused
    /// before anything is written to it (a journal pointed at the feedback store's file, say).
    ///
    /// `schema` is version 1 (idempotent `CREATE … IF NOT EXISTS`); `migrations[k]` takes version `k + 1` to `k + 2`,
    /// so `schemaVersion` is `1 + migrations.count`. A new file gets the schema and every migration; an older file
    /// gets the migrations it lacks, in order, in the same transaction that records the new version.
    /// - Throws: ``StoreError/open(path:code:message:)`` when the file cannot be opened, is not a database, cannot
    ///   use WAL, holds a schema newer than `schemaVersion`, or is another store's.
    public static func openStore(path: String, component: String, schema: String, migrations: [String] = [],
                                 schemaVersion: Int64, durability: Durability, busyTimeoutMs: Int32) throws -> SQLiteDatabase {
        precondition(schemaVersion == Int64(1 + migrations.count),
                     "openStore: schema version \(schemaVersion) does not match 1 + \(migrations.count) migrations; this is a bug")
        let db = try SQLiteDatabase(path: path, busyTimeoutMs: busyTimeoutMs)
        do {
            let mode = try db.scalarText("PRAGMA journal_mode=WAL", operation: "enable WAL")
            guard mode?.lowercased() == "wal" else {
                throw StoreError.open(path: path, code: SQLITE_ERROR, message: "journal_mode is \(mode ?? "unknown"), WAL is required")
            }
            try db.execute("PRAGMA synchronous=\(durability.rawValue)", operation: "set synchronous")
            let owner = try db.scalarInt("PRAGMA application_id", operation: "read the store's kind") ?? 0
            let expected = applicationID(component)
            guard owner == 0 || owner == expected else {
                let other = Self.components.first { applicationID($0) == owner } ?? "another program's"
                throw StoreError.open(path: path, code: SQLITE_ERROR,
                                      message: "this file is Mailroom's \(other) store, not a \(component) store: give each store a file of its own (only a postgres:// database is shared)")
            }
            let version = try db.scalarInt("PRAGMA user_version", operation: "read schema version") ?? 0
            guard version <= schemaVersion else {
                throw StoreError.open(path: path, code: SQLITE_ERROR,
                                      message: "schema version \(version) is newer than this build's \(schemaVersion)")
            }
            try db.transaction("create schema") {
                try db.execute(schema, operation: "create schema")
                // A new file reads 0: it has just been given version 1 above.
                for k in Int(max(version, 1)) - 1 ..< migrations.count {
                    try db.execute(migrations[k], operation: "migrate schema to version \(k + 2)")
                }
                try db.execute("PRAGMA user_version = \(schemaVersion)", operation: "set schema version")
                try db.execute("PRAGMA application_id = \(expected)", operation: "mark the store's kind")
            }
        } catch StoreError.sqlite(let operation, let code, let message) {
            throw StoreError.open(path: path, code: code, message: "\(operation): \(message)")
        }
        return db
    }

    /// The stores a file may hold.
    static let components = ["feedback", "journal", "outbox"]

    /// `PRAGMA application_id` of `component`'s files: "MR" and its first two letters, as a 32-bit integer.
    static func applicationID(_ component: String) -> Int64 {
        Int64(Int32(bitPattern: Array(("MR" + component.prefix(2).uppercased()).utf8).reduce(0) { $0 << 8 | UInt32($1) }))
    }
}
