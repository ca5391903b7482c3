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
    ///
    /// `schema` is version 1 (idempotent `CREATE … IF NOT EXISTS`); `migrations[k]` takes version `k + 1` to `k + 2`,
    /// so `schemaVersion` is `1 + migrations.count`. A new file gets the schema and every migration; an older file
    /// gets the migrations it lacks, in order, in the same transaction that records the new version.
    /// - Throws: ``StoreError/open(path:code:message:)`` when the file cannot be opened, is not a database, cannot
    ///   use WAL, or holds a schema newer than `schemaVersion`.
    public static func openStore(path: String, schema: String, migrations: [String] = [], schemaVersion: Int64,
                                 durability: Durability, busyTimeoutMs: Int32) throws -> SQLiteDatabase {
        precondition(schemaVersion == Int64(1 + migrations.count),
                     "openStore: schema version \(schemaVersion) does not match 1 + \(migrations.count) migrations; this is a bug")
        let db = try SQLiteDatabase(path: path, busyTimeoutMs: busyTimeoutMs)
        do {
            let mode = try db.scalarText("PRAGMA journal_mode=WAL", operation: "enable WAL")
            guard mode?.lowercased() == "wal" else {
                throw StoreError.open(path: path, code: SQLITE_ERROR, message: "journal_mode is \(mode ?? "unknown"), WAL is required")
            }
            try db.execute("PRAGMA synchronous=\(durability.rawValue)", operation: "set synchronous")
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
            }
        } catch StoreError.sqlite(let operation, let code, let message) {
            throw StoreError.open(path: path, code: code, message: "\(operation): \(message)")
        }
        return db
    }
}
