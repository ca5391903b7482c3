// PostgresDatabase: one libpq connection behind StoreConnection: `?` parameters become `$1…`, values travel as
// text (PostgreSQL casts them to the column's type), results are read as text.
import CLibPQ
import Foundation

public final class PostgresDatabase: StoreConnection {
    let connection: OpaquePointer
    /// The URL without its password.
    public let location: String
    private var closed = false

    /// Connects to `url` (`postgres://user:password@host:port/database?sslmode=…`, libpq's URI form).
    /// - Throws: ``StoreError/postgresOpen(location:message:)`` with the server's or libpq's reason.
    public init(url: String) throws {
        location = StoreLocation(url).redacted
        guard let connection = PQconnectdb(url) else {
            throw StoreError.postgresOpen(location: location, message: "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw StoreError.postgresOpen(location: location, message: message)
        }
        self.connection = connection
        // Server notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    deinit { close() }

    public func close() {
        guard !closed else { return }
        closed = true
        PQfinish(connection)
    }

    static func message(_ text: UnsafePointer<CChar>?) -> String {
        text.map { String(cString: $0).trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown error"
    }

    /// Checks a result; returns it when it is a command or rows, else clears it and throws.
    func check(_ result: OpaquePointer?, _ operation: String) throws -> OpaquePointer {
        guard let result else { throw StoreError.postgres(operation: operation, message: Self.message(PQerrorMessage(connection))) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK: return result
        default:
            let message = Self.message(PQresultErrorMessage(result))
            PQclear(result)
            throw StoreError.postgres(operation: operation, message: message)
        }
    }

    public func execute(_ sql: String, operation: String) throws {
        PQclear(try check(PQexec(connection, sql), operation))
    }

    public func query(_ sql: String, operation: String) throws -> any StoreQuery {
        PostgresQuery(database: self, sql: Self.numbered(sql), operation: operation)
    }

    public func transaction<R>(_ operation: String, _ body: () throws -> R) throws -> R {
        try transaction(operation, begin: "BEGIN", body)
    }

    /// `?` → `$1`, `$2`, … outside quoted strings and identifiers.
    static func numbered(_ sql: String) -> String {
        var out = "", n = 0, quote: Character?
        for c in sql {
            if let q = quote {
                if c == q { quote = nil }
                out.append(c)
            } else if c == "'" || c == "\"" {
                quote = c
                out.append(c)
            } else if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }
}

final class PostgresQuery: StoreQuery {
    private let database: PostgresDatabase
    private let sql: String
    private let operation: String

    init(database: PostgresDatabase, sql: String, operation: String) {
        self.database = database; self.sql = sql; self.operation = operation
    }

    private func execute(_ values: [SQLiteValue]) throws -> OpaquePointer {
        let texts: [String?] = values.map {
            switch $0 {
            case .int(let v): String(v)
            case .double(let v): String(v)
            case .text(let v): v
            case .null: nil
            }
        }
        // strdup'd copies: libpq reads them during the call.
        let pointers: [UnsafeMutablePointer<CChar>?] = texts.map { $0.map { strdup($0) } ?? nil }
        defer { pointers.forEach { free($0) } }
        let result = pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { params in
            PQexecParams(database.connection, sql, Int32(values.count), nil, params.baseAddress, nil, nil, 0)
        }
        return try database.check(result, operation)
    }

    func run(_ values: [SQLiteValue]) throws { PQclear(try execute(values)) }

    func each<T>(_ values: [SQLiteValue], _ row: (any StoreRow) throws -> T) throws -> [T] {
        let result = try execute(values)
        defer { PQclear(result) }
        var out: [T] = []
        for r in 0..<PQntuples(result) { out.append(try row(PostgresRow(result: result, row: r))) }
        return out
    }
}

struct PostgresRow: StoreRow {
    let result: OpaquePointer
    let row: Int32

    func isNull(at index: Int32) -> Bool { PQgetisnull(result, row, index) != 0 }
    func text(at index: Int32) -> String? {
        guard !isNull(at: index), let value = PQgetvalue(result, row, index) else { return nil }
        return String(cString: value)
    }
    func int(at index: Int32) -> Int64 { text(at: index).flatMap { Int64($0) } ?? 0 }
    func double(at index: Int32) -> Double { text(at: index).flatMap { Double($0) } ?? 0 }
}

extension PostgresDatabase {
    /// Connects and brings `component`'s tables to the newest of `migrations` (version k + 1 is migration k), in
    /// one transaction under an advisory lock, so that replicas starting together migrate once; the version is kept
    /// in `mailroom_schema`. A server at a newer version than this build knows is refused.
    public static func openStore(url: String, component: String, migrations: [String]) throws -> PostgresDatabase {
        let db = try PostgresDatabase(url: url)
        try db.transaction("migrate the \(component) schema") {
            try db.execute("SELECT pg_advisory_xact_lock(74602811)", operation: "lock the schema")
            try db.execute("CREATE TABLE IF NOT EXISTS mailroom_schema (component TEXT PRIMARY KEY, version INTEGER NOT NULL)",
                           operation: "create the schema table")
            let version = try db.query("SELECT version FROM mailroom_schema WHERE component = ?", operation: "read the schema version")
                .each([.text(component)]) { Int($0.int(at: 0)) }.first ?? 0
            guard version <= migrations.count else {
                throw StoreError.postgres(operation: "read the schema version",
                                          message: "the \(component) schema is at version \(version), newer than this build's \(migrations.count): run a newer Mailroom")
            }
            for k in version..<migrations.count {
                try db.execute(migrations[k], operation: "migrate the \(component) schema to version \(k + 1)")
            }
            try db.query("""
                INSERT INTO mailroom_schema (component, version) VALUES (?, ?)
                ON CONFLICT (component) DO UPDATE SET version = excluded.version
                """, operation: "record the schema version").run([.text(component), .int(Int64(migrations.count))])
        }
        return db
    }
}
