// TopologyError: what can be wrong with a topology file, each with its file:line and a hint to fix it.

/// A position in a topology file, printed as `file:line`.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    /// The file name (or label) given to the parser.
    public var file: String
    /// The 1-based line number.
    public var line: Int

    public init(file: String, line: Int) { self.file = file; self.line = line }

    public var description: String { "\(file):\(line)" }
}

/// An error found while reading or expanding a topology file.
///
/// Every case carries the ``SourceLocation`` of the offending line. ``description`` prints
/// `file:line: error: message` followed by a `hint:` line that says what to change.
public enum TopologyError: Error, Equatable, CustomStringConvertible {
    /// The file could not be read.
    case unreadable(path: String, reason: String)
    /// A line is neither a comment, a `[section]` header nor a `key = value` entry.
    case syntax(SourceLocation, String)
    /// A `[section]` header other than `[topology]`, `[endpoints]` or `[process NAME]`.
    case unknownSection(SourceLocation, String)
    /// The same section appears twice; `firstLine` is where it first appeared.
    case duplicateSection(SourceLocation, String, firstLine: Int)
    /// The same key appears twice in one section; `firstLine` is where it first appeared.
    case duplicateKey(SourceLocation, String, firstLine: Int)
    /// A key that the section does not accept.
    case unknownKey(SourceLocation, section: String, key: String)
    /// A name (process, variable, endpoint, environment variable) with characters that are not allowed.
    case invalidName(SourceLocation, String, reason: String)
    /// `replicas` is negative or not an integer.
    case invalidReplicas(SourceLocation, String)
    /// `restart` is not one of `always`, `on-failure`, `never`.
    case invalidRestart(SourceLocation, String)
    /// A `[schedule NAME]` value that cannot be used.
    case invalidSchedule(SourceLocation, String, reason: String)
    /// A required key is missing from a section (e.g. `executable`, `run_dir`).
    case missingKey(SourceLocation, section: String, key: String)
    /// A `{placeholder}` that is not a variable, endpoint reference or built-in.
    case unknownPlaceholder(SourceLocation, String, allowed: [String])
    /// `{own:E}` or `{all:E}` names an endpoint that is not declared in `[endpoints]`.
    case unknownEndpoint(SourceLocation, String)
    /// An endpoint `X.something` whose owner process `X` is not declared.
    case unknownEndpointOwner(SourceLocation, endpoint: String, owner: String)
    /// `{own:E}` used in a process that does not own `E`.
    case notEndpointOwner(SourceLocation, endpoint: String, process: String, owner: String)
    /// Two replicas or two endpoints expand to the same address, so the second bind would fail.
    case addressCollision(SourceLocation, address: String, endpoints: [String])
    /// A `"` or `'` without its closing partner, or a `{` without `}`.
    case unterminated(SourceLocation, String)
    /// ``Topology/endpoint(_:replica:)`` was asked for a replica the owner does not have.
    case replicaOutOfRange(endpoint: String, replica: Int, replicas: Int)

    /// Where the error is, when it comes from a line of the file.
    public var location: SourceLocation? {
        switch self {
        case .unreadable, .replicaOutOfRange: nil
        case .syntax(let l, _), .unknownSection(let l, _), .duplicateSection(let l, _, _), .duplicateKey(let l, _, _),
             .unknownKey(let l, _, _), .invalidName(let l, _, _), .invalidReplicas(let l, _), .invalidRestart(let l, _),
             .invalidSchedule(let l, _, _), .missingKey(let l, _, _), .unknownPlaceholder(let l, _, _), .unknownEndpoint(let l, _),
             .unknownEndpointOwner(let l, _, _), .notEndpointOwner(let l, _, _, _), .addressCollision(let l, _, _),
             .unterminated(let l, _):
            l
        }
    }

    /// One sentence saying what is wrong.
    public var message: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read topology file '\(path)': \(reason)"
        case .syntax(_, let text): "cannot understand line '\(text)'"
        case .unknownSection(_, let name): "unknown section [\(name)]"
        case .duplicateSection(_, let name, let first): "section [\(name)] is declared twice (first on line \(first))"
        case .duplicateKey(_, let key, let first): "key '\(key)' is set twice in this section (first on line \(first))"
        case .unknownKey(_, let section, let key): "unknown key '\(key)' in [\(section)]"
        case .invalidName(_, let name, let reason): "invalid name '\(name)': \(reason)"
        case .invalidReplicas(_, let value): "replicas = '\(value)' is not a whole number >= 0"
        case .invalidRestart(_, let value): "restart = '\(value)' is not a restart policy"
        case .invalidSchedule(_, let value, _): "schedule value '\(value)' cannot be used"
        case .missingKey(_, let section, let key): "[\(section)] has no '\(key)'"
        case .unknownPlaceholder(_, let name, _): "unknown placeholder {\(name)}"
        case .unknownEndpoint(_, let name): "endpoint '\(name)' is not declared in [endpoints]"
        case .unknownEndpointOwner(_, let endpoint, let owner):
            "endpoint '\(endpoint)' belongs to process '\(owner)', which is not declared"
        case .notEndpointOwner(_, let endpoint, let process, let owner):
            "process '\(process)' uses {own:\(endpoint)} but '\(endpoint)' is owned by '\(owner)'"
        case .addressCollision(_, let address, let endpoints):
            "address '\(address)' is used more than once (\(endpoints.joined(separator: ", ")))"
        case .unterminated(_, let what): "unterminated \(what)"
        case .replicaOutOfRange(let endpoint, let replica, let replicas):
            "endpoint '\(endpoint)' has no replica \(replica) (its owner has \(replicas) replicas)"
        }
    }

    /// What to change to fix it.
    public var hint: String {
        switch self {
        case .unreadable: "check the path; relative paths are relative to the working directory"
        case .syntax: "use '[section]', 'key = value' or a '# comment'"
        case .unknownSection: "sections are [topology], [endpoints], [process NAME] and [schedule NAME]"
        case .duplicateSection: "merge the two sections or rename the process"
        case .duplicateKey: "keep one of the two lines"
        case .unknownKey(_, let section, _):
            section.hasPrefix("process ")
                ? "process keys are replicas, executable, args, restart and env.NAME"
                : section.hasPrefix("schedule ") ? "schedule keys are on_calendar and args"
                : "[endpoints] keys are PROCESS.NAME; [topology] keys are plain identifiers"
        case .invalidName: "use letters, digits, '_' and '-' (process names must not contain '.')"
        case .invalidReplicas: "write e.g. 'replicas = 2'; 0 disables the process"
        case .invalidRestart: "use always, on-failure or never"
        case .invalidSchedule(_, _, let reason): reason
        case .missingKey(_, _, let key) where key == "executable":
            "add 'executable = NAME' (looked up in the bin directory) or a path such as ./bin/NAME"
        case .missingKey(_, _, let key): "add '\(key) = ...' to the section"
        case .unknownPlaceholder(_, _, let allowed):
            "known here: " + allowed.map { "{\($0)}" }.joined(separator: " ") + "; write {{ for a literal {"
        case .unknownEndpoint: "declare it in [endpoints] as OWNER.NAME = ADDRESS, or fix the spelling"
        case .unknownEndpointOwner(_, _, let owner):
            "add a [process \(owner)] section, or rename the endpoint to OWNER.NAME with a declared owner"
        case .notEndpointOwner: "use {all:ENDPOINT} to connect to another process's endpoint; {own:...} is for binding"
        case .addressCollision:
            "put {replica} in the address (ipc://{run_dir}/x-{replica}.sock) or use a port like {5570+replica}"
        case .unterminated: "close the quote or brace on the same line"
        case .replicaOutOfRange: "ask for a replica between 0 and replicas - 1"
        }
    }

    public var description: String {
        // Line 0: an error from an API call (e.g. ``Topology/endpoint(_:replica:)``), not from a line of the file.
        let prefix = location.map { $0.line > 0 ? "\($0): " : "\($0.file): " } ?? ""
        return "\(prefix)error: \(message)\n  hint: \(hint)"
    }
}
