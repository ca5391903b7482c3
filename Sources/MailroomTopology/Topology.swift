// Topology: the process graph declared once in a topology file (processes, replicas, endpoints, variables).
import Foundation

/// The whole process graph of a Mailroom deployment, read from a topology file.
///
/// A topology file has three kinds of sections:
/// ```
/// [topology]
/// name = default
/// run_dir = .mailroom/run          # relative to the working directory
/// model = .mailroom/models/default # any other key is a variable, usable as {model}
///
/// [endpoints]
/// classifier.in = ipc://{run_dir}/classifier-{replica}.sock   # owned (bound) by process "classifier"
///
/// [process classifier]
/// replicas = 2
/// executable = classifier          # looked up in the bin directory unless it contains '/'
/// args = --pull {own:classifier.in} --push {all:router.in} --replica {replica}
/// env.OPENBLAS_NUM_THREADS = 1
/// restart = always                 # always | on-failure | never
/// ```
/// Placeholders: `{own:E}` is endpoint `E` for this replica (only in `E`'s owner), `{all:E}` is `E` for every
/// replica of its owner joined with commas, `{replica}` the 0-based replica index, `{N+replica}` a number (or a variable holding one)
/// plus the replica index (ports), `{name}` the process name, `{KEY}` a `[topology]` variable, `{{` a literal `{`.
/// `[topology]` values may use variables defined above them.
public struct Topology: Sendable, Equatable {
    /// The `name` from `[topology]` (default: the file name without extension).
    public var name: String
    /// The `run_dir` from `[topology]`, expanded, as written: a relative path is relative to the working directory.
    /// The supervisor keeps its state file and log here; ipc sockets usually live here too.
    public var runDirectory: String
    /// Every `[topology]` key except `name`, expanded (includes `run_dir`).
    public var variables: [String: String]
    /// The `[endpoints]` entries in declaration order.
    public var endpoints: [EndpointSpec]
    /// The `[process NAME]` sections in declaration order.
    public var processes: [ProcessSpec]
    /// The `[schedule NAME]` sections (commands run on a calendar, e.g. the monthly retrain).
    public var schedules: [ScheduleSpec] = []
    /// The file name used in error messages.
    public var file: String
    /// Set only by a renderer for another runtime (``KubernetesManifests``): how `{own:E}`, `{all:E}` and
    /// `{replica}` read there.
    var rendering: RenderedAddressing?

    /// Reads and checks a topology file.
    /// - Parameter path: the file; a relative path is relative to the working directory.
    /// - Throws: ``TopologyError`` with the file, line and a hint.
    public static func load(path: String) throws -> Topology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try parse(text, file: path)
    }

    /// Parses and checks topology text: syntax, keys, names, placeholders, endpoint owners and address collisions.
    /// - Parameters:
    ///   - text: the file contents.
    ///   - file: the name to print in error messages.
    /// - Throws: ``TopologyError`` with the file, line and a hint.
    public static func parse(_ text: String, file: String) throws -> Topology {
        let syntax = try TopologyFile.parse(text, file: file)
        var topology = Topology(name: "", runDirectory: "", variables: [:], endpoints: [], processes: [], file: file)
        var topologySection: TopologySection?
        var scheduleSections: [(String, TopologySection)] = []
        for section in syntax.sections {
            let location = SourceLocation(file: file, line: section.line)
            let words = section.header.split(separator: " ").map(String.init)
            switch (words.first, words.count) {
            case ("topology", 1): topologySection = section
            case ("endpoints", 1): topology.endpoints = try readEndpoints(section, file: file)
            case ("process", 2): topology.processes.append(try readProcess(named: words[1], section, file: file))
            case ("schedule", 2): scheduleSections.append((words[1], section))
            default: throw TopologyError.unknownSection(location, section.header)
            }
        }
        guard let topologySection else {
            throw TopologyError.missingKey(SourceLocation(file: file, line: 1), section: "topology", key: "run_dir")
        }
        try topology.readVariables(topologySection)
        for (name, section) in scheduleSections {  // after the variables: args may use them
            try checkName(name, at: SourceLocation(file: file, line: section.line), allowDash: true)
            topology.schedules.append(try topology.readSchedule(named: name, section))
        }
        if topology.name.isEmpty {
            topology.name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        }
        _ = try topology.validatedInstances()
        return topology
    }

    /// The process with this name, if declared.
    public func process(named name: String) -> ProcessSpec? { processes.first { $0.name == name } }

    // MARK: - Sections

    private mutating func readVariables(_ section: TopologySection) throws(TopologyError) {
        for entry in section.entries {
            let location = SourceLocation(file: file, line: entry.line)
            let value = ArgumentSplitter.unquote(entry.value)
            if entry.key == "name" { name = value; continue }
            try Self.checkName(entry.key, at: location, allowDash: false)
            if Self.reservedNames.contains(entry.key) {
                throw .invalidName(location, entry.key, reason: "{\(entry.key)} is a built-in placeholder")
            }
            variables[entry.key] = try expand(value, at: location, scope: .variables)
        }
        guard let runDir = variables["run_dir"], !runDir.isEmpty else {
            throw .missingKey(SourceLocation(file: file, line: section.line), section: "topology", key: "run_dir")
        }
        runDirectory = runDir
    }

    private static func readEndpoints(_ section: TopologySection, file: String) throws(TopologyError) -> [EndpointSpec] {
        try section.entries.map { (entry) throws(TopologyError) -> EndpointSpec in
            let location = SourceLocation(file: file, line: entry.line)
            guard let dot = entry.key.firstIndex(of: "."), dot != entry.key.startIndex,
                  entry.key.index(after: dot) != entry.key.endIndex else {
                throw .invalidName(location, entry.key, reason: "an endpoint is named OWNER.NAME, e.g. classifier.in")
            }
            return EndpointSpec(name: entry.key, owner: String(entry.key[..<dot]),
                                address: ArgumentSplitter.unquote(entry.value), location: location)
        }
    }

    private static func readProcess(named name: String, _ section: TopologySection,
                                    file: String) throws(TopologyError) -> ProcessSpec {
        let location = SourceLocation(file: file, line: section.line)
        try checkName(name, at: location, allowDash: true)
        var spec = ProcessSpec(name: name, replicas: 1, executable: "", arguments: [], environment: [:],
                               restart: .always, location: location, executableLine: section.line,
                               argumentsLine: section.line, environmentLines: [:])
        for entry in section.entries {
            let at = SourceLocation(file: file, line: entry.line)
            switch entry.key {
            case "replicas":
                guard let count = Int(entry.value), count >= 0 else { throw .invalidReplicas(at, entry.value) }
                spec.replicas = count
            case "executable":
                spec.executable = ArgumentSplitter.unquote(entry.value)
                spec.executableLine = entry.line
            case "args":
                spec.arguments = try ArgumentSplitter.split(entry.value, at: at)
                spec.argumentsLine = entry.line
            case "restart":
                guard let policy = RestartPolicy(rawValue: entry.value) else { throw .invalidRestart(at, entry.value) }
                spec.restart = policy
            case let key where key.hasPrefix("env."):
                let variable = String(key.dropFirst(4))
                guard let first = variable.first, first == "_" || first.isLetter,
                      variable.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                    throw .invalidName(at, variable, reason: "environment names use letters, digits and '_'")
                }
                spec.environment[variable] = ArgumentSplitter.unquote(entry.value)
                spec.environmentLines[variable] = entry.line
            default:
                throw .unknownKey(at, section: section.header, key: entry.key)
            }
        }
        if spec.executable.isEmpty { throw .missingKey(location, section: section.header, key: "executable") }
        return spec
    }

    /// Placeholder names that `[topology]` keys may not take.
    static let reservedNames: Set<String> = ["replica", "name", "own", "all"]

    private static func checkName(_ name: String, at location: SourceLocation,
                                  allowDash: Bool) throws(TopologyError) {
        let ok = !name.isEmpty && name.allSatisfy {
            $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || (allowDash && $0 == "-"))
        }
        if !ok {
            throw .invalidName(location, name, reason: allowDash ? "use letters, digits, '_' and '-'"
                                                                 : "use letters, digits and '_'")
        }
    }
}
