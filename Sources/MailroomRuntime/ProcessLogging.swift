// ProcessLogging: the one logging set-up of every Mailroom process (stderr, one escaped line per event, a chosen
// level; see LineLogHandler).
import Logging

public enum ProcessLogging {
    /// Sets up logging for the whole process; call once, in `main`, before any logger logs.
    /// - Parameter level: `trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical`.
    /// - Throws: ``OptionsError/invalid(flag:value:expected:)`` for an unknown level.
    public static func bootstrap(level name: String) throws {
        guard let level = Logger.Level(rawValue: name) else {
            throw OptionsError.invalid(flag: "log-level", value: name,
                                       expected: Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
        }
        LoggingSystem.bootstrap { label in
            var handler = LineLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
