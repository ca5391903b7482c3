// StageOptions: `--flag value` parsing for the stage executables, each flag with a MAILROOM_* environment twin.
import Foundation
import MailroomCore

/// Errors in a stage's command line, with the fix.
public enum OptionsError: Error, CustomStringConvertible, Equatable {
    case unknownFlag(String, known: [String])
    case missingValue(String)
    case missingRequired(String)
    /// None of several flags that each do the job (e.g. `--pull` and `--pull-from`).
    case missingOneOf([String])
    case invalid(flag: String, value: String, expected: String)

    public var description: String {
        switch self {
        case .unknownFlag(let f, let known): "unknown flag \(f); known flags: \(known.map { "--" + $0 }.joined(separator: ", "))"
        case .missingValue(let f): "flag --\(f) needs a value"
        case .missingRequired(let f):
            "missing --\(f) (or environment variable \(StageOptions.environmentName(of: f)))"
        case .missingOneOf(let flags):
            "missing one of \(flags.map { "--" + $0 }.joined(separator: ", ")) (or environment variable "
                + "\(flags.map(StageOptions.environmentName(of:)).joined(separator: ", ")))"
        case .invalid(let f, let v, let e): "--\(f) \(v): expected \(e)"
        }
    }
}

/// Parsed flags of a stage executable. Lookup order: command-line flag, then environment variable
/// `MAILROOM_<FLAG>` (upper case, `-` → `_`), then the caller's default.
public struct StageOptions: Sendable {
    public let values: [String: String]
    public let environment: [String: String]

    /// Parses `--name value` pairs. Every name must be in `known`; `--help` is left to the caller.
    public init(arguments: [String], known: [String], environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var values: [String: String] = [:]
        var i = 0
        while i < arguments.count {
            let a = arguments[i]
            guard a.hasPrefix("--") else { throw OptionsError.unknownFlag(a, known: known) }
            var name = String(a.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...]); name = String(name[..<eq])
            }
            guard known.contains(name) else { throw OptionsError.unknownFlag(a, known: known) }
            if value == nil {
                guard i + 1 < arguments.count else { throw OptionsError.missingValue(name) }
                value = arguments[i + 1]; i += 1
            }
            values[name] = value
            i += 1
        }
        self.values = values
        self.environment = environment
    }

    public static func environmentName(of flag: String) -> String {
        "MAILROOM_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    public func string(_ name: String) -> String? { values[name] ?? environment[Self.environmentName(of: name)] }

    public func string(_ name: String, default value: String) -> String { string(name) ?? value }

    public func required(_ name: String) throws -> String {
        guard let v = string(name), !v.isEmpty else { throw OptionsError.missingRequired(name) }
        return v
    }

    /// A comma-separated list of endpoints (empty when absent).
    public func list(_ name: String) -> [String] {
        (string(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    public func int(_ name: String, default value: Int) throws -> Int {
        guard let s = string(name) else { return value }
        guard let v = Int(s) else { throw OptionsError.invalid(flag: name, value: s, expected: "an integer") }
        return v
    }

    /// `--replica`: this replica's number (default 0). An integer (the supervisor's replica, a StatefulSet pod's
    /// ordinal), or a name: a Deployment's pods have no ordinal, so their pod name (`classifier-7d9f5c-x2k9q`)
    /// becomes a stable number below 1,000,000 from its hash, the same for the pod's whole life.
    public func replica() throws -> Int {
        guard let s = string("replica"), !s.isEmpty else { return 0 }
        if let v = Int(s) {
            guard v >= 0 else { throw OptionsError.invalid(flag: "replica", value: s, expected: "a number from 0, or a pod name") }
            return v
        }
        guard s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }) else {
            throw OptionsError.invalid(flag: "replica", value: s, expected: "a number from 0, or a pod name (letters, digits, - . _)")
        }
        return Self.replicaNumber(name: s)
    }

    /// The number a replica known by name gets (``replica()``).
    public static func replicaNumber(name: String) -> Int { Int(StableSplit.hash(name) % 1_000_000) }

    /// `true`/`false` (also `yes`/`no`, `1`/`0`).
    public func bool(_ name: String, default value: Bool) throws -> Bool {
        guard let s = string(name) else { return value }
        switch s.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: throw OptionsError.invalid(flag: name, value: s, expected: "true or false")
        }
    }

    public func double(_ name: String, default value: Double) throws -> Double {
        guard let s = string(name) else { return value }
        guard let v = Double(s) else { throw OptionsError.invalid(flag: name, value: s, expected: "a number") }
        return v
    }
}
