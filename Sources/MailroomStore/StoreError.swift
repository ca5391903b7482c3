// StoreError: typed errors of the store (SQLite or PostgreSQL), with the database's own message and the operation
// that failed.

/// An error from ``SQLiteDatabase``, ``PostgresDatabase`` or a store (feedback store, intake journal, router outbox).
public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// The database file could not be opened or set up (missing folder, not a database, no permission).
    case open(path: String, code: Int32, message: String)
    /// A statement failed. `operation` names what the store was doing (e.g. `record prediction`).
    case sqlite(operation: String, code: Int32, message: String)
    /// The PostgreSQL server could not be reached or refused the connection (`location` has no password).
    case postgresOpen(location: String, message: String)
    /// A statement failed on PostgreSQL.
    case postgres(operation: String, message: String)
    /// A value to record cannot be stored (e.g. a confidence that is NaN).
    case invalidInput(id: String, reason: String)
    /// A stored value could not be read back (e.g. a JSON column that does not parse).
    case corruptRow(table: String, id: String, reason: String)

    /// SQLite's primary result code, if any (`SQLITE_BUSY` = 5, `SQLITE_CANTOPEN` = 14, …).
    public var code: Int32? {
        switch self {
        case .open(_, let c, _), .sqlite(_, let c, _): c
        case .corruptRow, .invalidInput, .postgresOpen, .postgres: nil
        }
    }

    public var description: String {
        switch self {
        case .open(let path, let code, let message):
            "cannot open database \(path): \(message) (SQLite code \(code)); "
                + "check that its folder exists and is writable and that the file is a SQLite database"
        case .sqlite(let op, let code, let message):
            "database: \(op) failed: \(message) (SQLite code \(code))"
        case .postgresOpen(let location, let message):
            "cannot open database \(location): \(message); check that the server runs, that the URL's host, "
                + "port, user, password and database are right, and that the user may create tables there"
        case .postgres(let op, let message):
            "database (PostgreSQL): \(op) failed: \(message)"
        case .invalidInput(let id, let reason):
            "database: cannot record \(id): \(reason)"
        case .corruptRow(let table, let id, let reason):
            "database: row \(id) of \(table) is unreadable: \(reason)"
        }
    }
}
