// StoreConnection: what the feedback store needs from a database, so that one FeedbackStore runs on SQLite (one
// machine, one writer) or on PostgreSQL (several replicas writing): statements with `?` parameters, rows read
// column by column, transactions.
import Foundation
import MailroomCore

/// One row of a query's result.
public protocol StoreRow {
    /// Column `index` as an integer (NULL reads as 0).
    func int(at index: Int32) -> Int64
    /// Column `index` as a double (NULL reads as 0).
    func double(at index: Int32) -> Double
    /// Column `index` as text, or nil when NULL.
    func text(at index: Int32) -> String?
    func isNull(at index: Int32) -> Bool
}

/// A statement to run again and again with other parameters (`?` in its SQL, bound in order).
public protocol StoreQuery: AnyObject {
    /// Runs it (a statement that returns no rows).
    func run(_ values: [SQLiteValue]) throws
    /// Runs it and maps every row.
    func each<T>(_ values: [SQLiteValue], _ row: (any StoreRow) throws -> T) throws -> [T]
}

/// A connection to the store's database. Not `Sendable`: one thread or actor uses it.
public protocol StoreConnection: AnyObject {
    /// The file or the URL (without its password), for messages.
    var location: String { get }
    /// Runs statements that return no rows (schema, settings).
    func execute(_ sql: String, operation: String) throws
    /// Compiles one statement; its parameters are `?`.
    func query(_ sql: String, operation: String) throws -> any StoreQuery
    /// Runs `body` in one write transaction: committed if it returns, rolled back if it throws. Not re-entrant.
    func transaction<R>(_ operation: String, _ body: () throws -> R) throws -> R
}

extension StoreConnection {
    /// `begin`, `body`, COMMIT; ROLLBACK when `body` throws (each backend's ``transaction(_:_:)``).
    func transaction<R>(_ operation: String, begin: String, _ body: () throws -> R) throws -> R {
        try execute(begin, operation: "\(operation): begin")
        do {
            let result = try body()
            try execute("COMMIT", operation: "\(operation): commit")
            return result
        } catch {
            try? execute("ROLLBACK", operation: "\(operation): rollback")
            throw error
        }
    }
}

extension SQLiteStatement: StoreRow, StoreQuery {
    public func each<T>(_ values: [SQLiteValue], _ row: (any StoreRow) throws -> T) throws -> [T] {
        try rows(values) { try row($0) }
    }
}

extension SQLiteDatabase: StoreConnection {
    public var location: String { path }
    public func query(_ sql: String, operation: String) throws -> any StoreQuery { try prepare(sql, operation: operation) }
}

/// Where a store lives: a SQLite file, or a PostgreSQL server (`postgres://` or `postgresql://` URL).
public enum StoreLocation: Equatable, Sendable {
    case sqlite(path: String)
    case postgres(url: String)

    public init(_ text: String) {
        self = DatabaseURL.isPostgres(text) ? .postgres(url: text) : .sqlite(path: text)
    }

    /// Whether there is something to open: a SQLite file must exist; a server is asked when it is opened.
    public var mayExist: Bool {
        switch self {
        case .sqlite(let path): FileManager.default.fileExists(atPath: path)
        case .postgres: true
        }
    }

    /// The URL without its password (for logs and errors); a path as it is.
    public var redacted: String {
        switch self {
        case .sqlite(let path): return path
        case .postgres(let url): return Redaction.urlPasswords(url)
        }
    }
}

/// One store's tables on both backends: the SQLite file's version-1 schema and its migrations
/// (`PRAGMA user_version`), and the PostgreSQL migrations of its component (`mailroom_schema`).
public struct StoreSchema: Sendable {
    /// The store's name in `mailroom_schema` and in messages: `feedback`, `journal`, `outbox`.
    public var component: String
    public var sqlite: String
    public var sqliteMigrations: [String]
    public var postgres: [String]
    /// The SQLite file's `user_version`.
    public var sqliteVersion: Int64 { Int64(1 + sqliteMigrations.count) }
}

extension StoreLocation {
    /// Opens the store here, creating or migrating `schema` (SQLite: WAL, `durability`, a busy timeout, and with
    /// `creatingFolder` the file's folder, this user's only: it holds emails).
    /// - Throws: ``StoreError/open(path:code:message:)`` and ``StoreError/sqlite(operation:code:message:)`` for a
    ///   file; ``StoreError/postgresOpen(location:message:)`` and ``StoreError/postgres(operation:message:)`` for a
    ///   server.
    func open(_ schema: StoreSchema, durability: SQLiteDatabase.Durability, busyTimeoutMs: Int32,
              creatingFolder: Bool = false) throws -> any StoreConnection {
        switch self {
        case .sqlite(let path):
            let folder = (path as NSString).deletingLastPathComponent
            if creatingFolder && !folder.isEmpty { try? PrivateFiles.makeDirectory(folder) }
            return try SQLiteDatabase.openStore(path: path, component: schema.component, schema: schema.sqlite, migrations: schema.sqliteMigrations,
                                         schemaVersion: schema.sqliteVersion, durability: durability, busyTimeoutMs: busyTimeoutMs)
        case .postgres(let url):
            return try PostgresDatabase.openStore(url: url, component: schema.component, migrations: schema.postgres)
        }
    }
}

extension StoreConnection {
    /// Runs `sql` once per parameter row, all in one write transaction (nothing when `rows` is empty).
    public func runEach(_ sql: String, operation: String, rows: [[SQLiteValue]]) throws {
        guard !rows.isEmpty else { return }
        try transaction(operation) {
            let statement = try query(sql, operation: operation)
            for row in rows { try statement.run(row) }
        }
    }

    /// Runs `sql`, whose `IN (…)` is written `IN (%ids)`, for `ids` a chunk at a time: one statement for a batch
    /// instead of one per id (a round trip each on a server). `before` are the parameters ahead of the ids.
    /// - Returns: every chunk's rows, mapped.
    public func eachIn<T>(_ sql: String, ids: [String], before: [SQLiteValue] = [], operation: String,
                          _ row: (any StoreRow) throws -> T) throws -> [T] {
        var out: [T] = []
        var start = 0
        while start < ids.count {
            let chunk = ids[start..<min(ids.count, start + 500)]
            let marks = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            out += try query(sql.replacingOccurrences(of: "%ids", with: marks), operation: operation)
                .each(before + chunk.map { .text($0) }, row)
            start += chunk.count
        }
        return out
    }

    /// ``eachIn(_:ids:before:operation:_:)`` for a statement that returns no rows (an `UPDATE … WHERE id IN (%ids)`).
    public func runIn(_ sql: String, ids: [String], before: [SQLiteValue] = [], operation: String) throws {
        _ = try eachIn(sql, ids: ids, before: before, operation: operation) { _ in () }
    }

    /// The first column of the first row `sql` returns, as an integer; nil when it returns no row.
    public func firstInt(_ sql: String, _ values: [SQLiteValue] = [], operation: String) throws -> Int64? {
        try query(sql, operation: operation).each(values) { $0.int(at: 0) }.first
    }
}
