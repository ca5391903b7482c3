// PostgresServer: a real PostgreSQL server for the store tests, started once per test process from Debian's
// binaries (initdb and pg_ctl under /usr/lib/postgresql/N/bin) in a temporary folder on a free port, stopped at
// exit. As root it runs as `nobody` (PostgreSQL refuses root). Each test gets a database of its own.
// Without the binaries the PostgreSQL tests are skipped, unless MAILROOM_REQUIRE_POSTGRES=1 (Scripts/test sets it):
// then they fail and say how to install them.
import Foundation

public final class PostgresServer: Sendable {
    public let port: Int
    public let directory: String
    let bin: String
    let runAs: String?

    /// The binaries' folder, or nil when PostgreSQL is not installed.
    public static let binaries: String? = {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap { Int($0) }.sorted()
        return versions.last.map { "\(root)/\($0)/bin" }.flatMap { FileManager.default.fileExists(atPath: $0 + "/pg_ctl") ? $0 : nil }
    }()

    /// Whether the PostgreSQL tests run: the binaries are here, or they are required (and then fail loudly).
    public static var enabled: Bool {
        binaries != nil || ProcessInfo.processInfo.environment["MAILROOM_REQUIRE_POSTGRES"] == "1"
    }

    /// The one server of this test process (started on first use).
    public static let shared: Result<PostgresServer, any Error> = Result(catching: { try PostgresServer() })

    private static let stopAtExit: Void = {
        atexit {
            guard case .success(let server) = PostgresServer.shared else { return }
            server.pgctl(["stop", "-m", "immediate"])
            try? FileManager.default.removeItem(atPath: server.directory)
        }
    }()

    init() throws {
        guard let bin = Self.binaries else {
            throw PostgresServerError("PostgreSQL is not installed: apt-get install postgresql (Scripts/test does)")
        }
        self.bin = bin
        runAs = getuid() == 0 ? "nobody" : nil
        // As root the server runs as nobody, which needs every folder above its own to be open to it (/tmp may not be).
        directory = (runAs == nil ? "/tmp" : "/var/tmp") + "/mr-pg-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if runAs != nil { _ = try Self.run("/usr/bin/chown", ["nobody", directory]) }
        port = FreePort.next()
        _ = Self.stopAtExit
        try Self.check(Self.run(runAs, bin + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "mailroom",
                                                         "--locale=C", "-E", "UTF8", "--no-sync"]), "initdb")
        try Self.check(Self.run(runAs, bin + "/pg_ctl", ["-D", directory + "/data", "-w", "-t", "60", "-l", directory + "/server.log",
                                                          "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off",
                                                          "start"]), "pg_ctl start")
    }

    /// A fresh, empty database on the server; its URL.
    public func newDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try Self.check(Self.run(runAs, bin + "/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "mailroom", "-d", "postgres",
                                                        "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]), "create database")
        return "postgres://mailroom@127.0.0.1:\(port)/\(name)"
    }

    @discardableResult
    func pgctl(_ args: [String]) -> Int32 {
        (try? Self.run(runAs, bin + "/pg_ctl", ["-D", directory + "/data"] + args).status) ?? -1
    }

    static func check(_ result: (status: Int32, output: String), _ what: String) throws {
        guard result.status == 0 else { throw PostgresServerError("\(what) failed (\(result.status)): \(result.output)") }
    }

    static func run(_ user: String?, _ executable: String, _ args: [String]) throws -> (status: Int32, output: String) {
        if let user { return try run("/usr/sbin/runuser", ["-u", user, "--", executable] + args) }
        return try run(executable, args)
    }

    /// posix_spawn and waitpid, output to a file: Foundation's Process can miss the exit of a child whose own
    /// child (the server pg_ctl starts) lives on, and a pipe would stay open as long as the server.
    static func run(_ executable: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let log = "/var/tmp/mr-pg-out-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + args).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard rc == 0 else { throw PostgresServerError("cannot start \(executable): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exited, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }
}

public struct PostgresServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
