// SupervisorState: the JSON state file the supervisor rewrites (atomically) in run_dir on every change.
import Foundation

/// How a child process ended: an exit code or a signal.
public struct ExitStatus: Sendable, Codable, Equatable, CustomStringConvertible {
    /// The exit code, when the process exited.
    public var code: Int32?
    /// The signal number, when a signal killed it.
    public var signal: Int32?

    public init(code: Int32? = nil, signal: Int32? = nil) { self.code = code; self.signal = signal }

    /// Decodes a `waitpid` status word.
    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self.init(code: (status >> 8) & 0xff)
        } else {
            self.init(signal: status & 0x7f)
        }
    }

    /// Exit code 0.
    public var isSuccess: Bool { code == 0 }

    public var description: String {
        if let code { return "exit \(code)" }
        if let signal { return "signal \(signal)" + (Self.signalNames[signal].map { " (\($0))" } ?? "") }
        return "unknown"
    }

    private static let signalNames: [Int32: String] = [
        SIGHUP: "HUP", SIGINT: "INT", SIGQUIT: "QUIT", SIGILL: "ILL", SIGABRT: "ABRT", SIGBUS: "BUS", SIGFPE: "FPE",
        SIGKILL: "KILL", SIGSEGV: "SEGV", SIGPIPE: "PIPE", SIGTERM: "TERM", SIGTRAP: "TRAP",
    ]
}

/// The life-cycle state of one instance.
public enum InstanceState: String, Sendable, Codable {
    /// Waiting for its first start.
    case pending
    /// Its process is alive.
    case running
    /// It exited and waits out its back-off delay before the next start.
    case backoff
    /// It exited successfully and will not be restarted (policy `never` or `on-failure`).
    case exited
    /// It exited unsuccessfully and will not be restarted (policy `never`).
    case failed
    /// The supervisor sent it SIGTERM and waits for it to exit.
    case stopping
    /// The supervisor stopped it.
    case stopped
}

/// The whole supervisor's state.
public enum SupervisorPhase: String, Sendable, Codable {
    case starting, running, stopping, stopped
}

/// One instance's entry in the state file.
public struct InstanceRecord: Sendable, Codable, Equatable {
    public var id: String
    public var process: String
    public var replica: Int
    /// The live process id, or nil when not running.
    public var pid: Int32?
    public var state: InstanceState
    /// How many times it was started again after an exit.
    public var restarts: Int
    /// How its last process ended.
    public var lastExit: ExitStatus?
    /// When its current (or last) process started.
    public var startedAt: Date?
    /// The delay before the next restart, while in ``InstanceState/backoff``.
    public var backoffSeconds: Double?
    /// When the next restart is due, while in ``InstanceState/backoff``.
    public var nextStartAt: Date?
    /// The resolved executable path.
    public var executable: String
    /// The file its stdout and stderr are appended to.
    public var log: String
    /// Why the last start failed, if it did (e.g. `posix_spawn` could not run the executable).
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case id, process, replica, pid, state, restarts, executable, log, error
        case lastExit = "last_exit"
        case startedAt = "started_at"
        case backoffSeconds = "backoff_seconds"
        case nextStartAt = "next_start_at"
    }
}

/// The state file: `<run_dir>/supervisor.state.json`.
public struct SupervisorState: Sendable, Codable, Equatable {
    public var topology: String
    public var supervisorPID: Int32
    public var state: SupervisorPhase
    public var startedAt: Date
    public var updatedAt: Date
    public var instances: [InstanceRecord]

    enum CodingKeys: String, CodingKey {
        case topology, state, instances
        case supervisorPID = "supervisor_pid"
        case startedAt = "started_at"
        case updatedAt = "updated_at"
    }

    /// The state file's name inside the run directory.
    public static let fileName = "supervisor.state.json"
    /// The supervisor log's name inside the run directory (written by ``TopologyControl/up(topologyPath:binDirectory:supervisorCommand:waitSeconds:)``).
    public static let logFileName = "supervisor.log"

    /// The state file's path for a run directory.
    public static func path(runDirectory: String) -> String {
        (runDirectory as NSString).appendingPathComponent(fileName)
    }

    /// Reads a state file; nil when there is none.
    public static func read(runDirectory: String) throws -> SupervisorState? {
        let path = path(runDirectory: runDirectory)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try decoder.decode(SupervisorState.self, from: data)
    }

    /// Encodes the state (stable key order, ISO 8601 dates with milliseconds).
    func encoded() throws -> Data { try Self.encoder.encode(self) }

    /// Writes `data` to the state file atomically (temporary file, then rename), so readers never see half a file.
    static func write(_ data: Data, runDirectory: String) throws {
        try data.write(to: URL(fileURLWithPath: path(runDirectory: runDirectory)), options: .atomic)
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Date.ISO8601FormatStyle(includingFractionalSeconds: true).format(date))
        }
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
            if let date = try? style.parse(text) { return date }
            return try Date.ISO8601FormatStyle().parse(text)
        }
        return decoder
    }()
}
