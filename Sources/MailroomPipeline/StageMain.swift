// StageMain: the shared start-up of the stage executables: parse flags, set up logging once, install the
// SIGTERM/SIGINT handler, run the stage, exit with its code. Errors print one actionable line and exit 1.
import Foundation
import Logging

public enum StageMain {
    /// Flags every stage accepts.
    public static let commonFlags = ["pull", "control", "replica", "log-level"]

    /// Runs a stage executable.
    /// - Parameters:
    ///   - stage: the stage name used in logs and heartbeats.
    ///   - flags: the stage's own flags (besides ``commonFlags``).
    ///   - usage: one line of usage for `--help`.
    ///   - build: makes the handler and its outputs from the parsed options.
    public static func run(stage: String, flags: [String], usage: String,
                           build: (StageOptions, Logger) throws -> (any StageHandler, [String: StageOutputSpec])) -> Never {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.contains("--help") || args.contains("-h") {
            print("usage: \(stage) \(usage)\ncommon: --pull ENDPOINT --control ENDPOINTS --replica N --log-level info\nevery flag also reads MAILROOM_<FLAG> from the environment")
            exit(0)
        }
        do {
            let options = try StageOptions(arguments: args, known: commonFlags + flags)
            let level = Logger.Level(rawValue: options.string("log-level", default: "info")) ?? .info
            LoggingSystem.bootstrap { label in
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            }
            let logger = Logger(label: "mailroom.\(stage)")
            ShutdownSignal.shared.install { sig in
                logger.info("signal received; draining", metadata: ["signal": "\(sig)"])
            }
            let replica = try options.int("replica", default: 0)
            let (handler, outputs) = try build(options, logger)
            let endpoints = StageEndpoints(input: [try options.required("pull")], outputs: outputs,
                                           control: options.list("control"))
            let code = try StageRunner(handler: handler, endpoints: endpoints, replica: replica, logger: logger).run()
            exit(code)
        } catch {
            FileHandle.standardError.write(Data("E: \(stage): \(error)\n".utf8))
            exit(1)
        }
    }
}
