// ProcessSpec, EndpointSpec, RestartPolicy: the declared pieces of a topology, before per-replica expansion.

/// What the supervisor does when an instance exits.
public enum RestartPolicy: String, Sendable, Codable, CaseIterable {
    /// Restart after every exit, clean or not.
    case always
    /// Restart only after a non-zero exit status or a signal.
    case onFailure = "on-failure"
    /// Never restart; the instance stays `exited` or `failed`.
    case never

    /// Whether an instance that ended with `status` should be started again.
    public func restarts(after status: ExitStatus) -> Bool {
        switch self {
        case .always: true
        case .onFailure: !status.isSuccess
        case .never: false
        }
    }
}

/// One `[endpoints]` entry: `OWNER.NAME = ADDRESS`, where `ADDRESS` may hold `{replica}` and variables.
public struct EndpointSpec: Sendable, Equatable {
    /// The full name, e.g. `classifier.in`.
    public var name: String
    /// The process that binds it: the part of ``name`` before the first dot.
    public var owner: String
    /// The address template as written, e.g. `ipc://{run_dir}/classifier-{replica}.sock`.
    public var address: String
    /// The line it was declared on.
    public var location: SourceLocation
}

/// One `[process NAME]` section: the template every replica is expanded from.
public struct ProcessSpec: Sendable, Equatable {
    /// The process name from the section header; owner of endpoints `NAME.*`.
    public var name: String
    /// How many instances to run (0 disables the process).
    public var replicas: Int
    /// The executable as written: a bare name is looked up in the bin directory, anything with `/` is a path.
    public var executable: String
    /// The argument templates, already split on whitespace (quotes honoured), placeholders not yet expanded.
    public var arguments: [String]
    /// Extra environment (`env.NAME = value`) templates, placeholders not yet expanded.
    public var environment: [String: String]
    /// What to do when an instance exits.
    public var restart: RestartPolicy
    /// The `[process NAME]` header line.
    public var location: SourceLocation
    /// Lines of the `executable`, `args` and `env.*` entries, for error messages during expansion.
    var executableLine: Int
    var argumentsLine: Int
    var environmentLines: [String: Int]
}

/// One running copy of a process: a replica with every placeholder expanded.
public struct ProcessInstance: Sendable, Equatable {
    /// `NAME-REPLICA`, e.g. `classifier-1`; names the log file and the state entry.
    public var id: String
    /// The process name.
    public var process: String
    /// The 0-based replica index.
    public var replica: Int
    /// The executable as written (expanded); see ``resolvedExecutable(binDirectory:)``.
    public var executable: String
    /// The expanded arguments, without `argv[0]`.
    public var arguments: [String]
    /// Extra environment variables, added to the supervisor's own environment.
    public var environment: [String: String]
    /// What to do when this instance exits.
    public var restart: RestartPolicy

    /// The path to run: `executable` itself when it contains a `/`, otherwise `binDirectory/executable`.
    public func resolvedExecutable(binDirectory: String) -> String {
        if executable.contains("/") { return executable }
        return binDirectory.hasSuffix("/") ? binDirectory + executable : binDirectory + "/" + executable
    }
}
