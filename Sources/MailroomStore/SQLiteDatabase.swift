// SQLiteDatabase: a small wrapper over one sqlite3 connection: open, exec, prepare, transactions.
import CSQLite
import Foundation

/// One SQLite connection. Not `Sendable`: a connection belongs to one thread (or actor) at a time.
/// Other threads open their own connection to the same file; in WAL mode readers never block the writer.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String
    private var closed = false

    /// Opens (creating if needed) the database at `path`.
    ///
    /// - Parameters:
    ///   - readOnly: open without write access (the file must exist).
    ///   - busyTimeoutMs: how long a statement waits for another connection's lock before `SQLITE_BUSY`.
    /// - Throws: ``StoreError/open(path:code:message:)``.
    public init(path: String, readOnly: Bool = false, busyTimeoutMs: Int32 = 5000) throws {
        var db: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX
        let isNew = !readOnly && !FileManager.default.fileExists(atPath: path)
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            if let db { sqlite3_close_v2(db) }
            throw StoreError.open(path: path, code: rc, message: message)
        }
        handle = db
        self.path = path
        // Stores hold client emails and outcomes: a new file is the user's only (SQLite gives its -wal and -shm
        // files the same mode).
        if isNew { chmod(path, 0o600) }
        sqlite3_extended_result_codes(db, 0)
        sqlite3_busy_timeout(db, busyTimeoutMs)
    }

    deinit { close() }

    /// Closes the connection; statements still alive are finalized by SQLite when they are freed.
    public func close() {
        guard !closed else { return }
        closed = true
        sqlite3_close_v2(handle)
    }

    /// The error for the connection's last failure.
    func error(_ operation: String, code: Int32) -> StoreError {
        .sqlite(operation: operation, code: code, message: String(cString: sqlite3_errmsg(handle)))
    }

    /// Runs one or more statements that return no rows (schema, pragmas).
    public func execute(_ sql: String, operation: String) throws {
        let rc = sqlite3_exec(handle, sql, nil, nil, nil)
        guard rc == SQLITE_OK else { throw error(operation, code: rc) }
    }

    /// Compiles `sql` (parameters are `?`).
    public func prepare(_ sql: String, operation: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw error(operation, code: rc) }
        return SQLiteStatement(database: self, handle: statement, operation: operation)
    }

    /// Runs `body` in one write transaction (`BEGIN IMMEDIATE`): committed if it returns, rolled back if it
    /// throws. Not re-entrant: do not nest.
    public func transaction<R>(_ operation: String, _ body: () throws -> R) throws -> R {
        try transaction(operation, begin: "BEGIN IMMEDIATE", body)
    }

    /// The first column of the first row of `sql`, as text (for pragmas such as `journal_mode`).
    public func scalarText(_ sql: String, operation: String) throws -> String? {
        let statement = try prepare(sql, operation: operation)
        return try statement.step() ? statement.text(at: 0) : nil
    }

    /// The first column of the first row of `sql`, as an integer.
    public func scalarInt(_ sql: String, operation: String) throws -> Int64? {
        let statement = try prepare(sql, operation: operation)
        return try statement.step() ? statement.int(at: 0) : nil
    }
}
