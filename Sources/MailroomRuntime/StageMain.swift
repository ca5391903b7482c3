// StageMain: the shared start-up of the stage executables: parse flags, set up logging once, build the handler,
// run it as the one Service of a ServiceGroup (SIGTERM/SIGINT shut it down gracefully), exit with its code.
// Errors print one actionable line and exit 1.
import Foundation
import Logging
import MailroomTransport
import ServiceLifecycle

public enum StageMain {
    /// Flags every stage accepts.
    public static let commonFlags = ["pull", "pull-from", "control", "replica", "log-level", "metrics-port", "metrics-host",
                                     "replica-port-offset"]

    /// Runs a stage executable until SIGTERM/SIGINT, then drains and exits 0.
    /// - Parameters:
    ///   - stage: the stage name used in logs and heartbeats.
    ///   - flags: the stage's own flags (besides ``commonFlags``).
    ///   - usage: one line of usage for `--help`.
    ///   - services: more Services to run beside the stage in its ServiceGroup, given the stage's own metrics:
    ///     by default its /metrics and probe listener (``StageMetricsServer/services(options:logger:metrics:)``); a
    ///     stage with a listener of its own serves those metrics there. Pass a library function, not a closure
    ///     written in `main.swift`: such a closure is main-actor isolated, and it is called off the main actor.
    ///   - build: makes the handler and an endpoint list for each of its outputs from the parsed options.
    public static func run<Handler: StageHandler>(
        stage: String, flags: [String], usage: String,
        services: (StageOptions, Logger, StageMetrics) throws -> [any Service] = StageMetricsServer.services,
        build: (StageOptions, Logger) throws -> (Handler, [Handler.Output: StageOutputSpec])
    ) async -> Never {
        let args = Array(CommandLine.arguments.dropFirst())
        if args.contains("--help") || args.contains("-h") {
            print("usage: \(stage) \(usage)\ncommon: (--pull ENDPOINT | --pull-from ENDPOINTS) --control ENDPOINTS --replica N|POD_NAME --log-level info [--metrics-port P (replica N: P + N) --metrics-host 127.0.0.1]\nevery flag also reads MAILROOM_<FLAG> from the environment")
            exit(0)
        }
        do {
            let options = try StageOptions(arguments: args, known: commonFlags + flags)
            try ProcessLogging.bootstrap(level: options.string("log-level", default: "info"))
            let logger = Logger(label: "mailroom.\(stage)")
            let replica = try options.replica()
            let (handler, outputs) = try build(options, logger)
            let endpoints = StageEndpoints(input: try input(options), outputs: outputs,
                                           control: options.list("control"))
            let context = try ZMQContext()
            let service = StageService(handler: handler, endpoints: endpoints, replica: replica, context: context,
                                       logger: logger)
            try await ProcessServices.run([service] + services(options, logger, service.metrics), logger: logger)
            context.terminate()
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("E: \(stage): \(error)\n".utf8))
            exit(1)
        }
    }

    /// The stage's input: `--pull ENDPOINT` binds it (the previous stage's replicas connect and push to it);
    /// `--pull-from ENDPOINTS` connects to each (the previous stage's replicas bind and push, round-robin over every
    /// replica connected: this replica then binds nothing, so it needs no stable address). Exactly one of the two.
    public static func input(_ options: StageOptions) throws -> Endpoints {
        let bind = options.string("pull").flatMap { $0.isEmpty ? nil : $0 }, connect = options.list("pull-from")
        switch (bind, connect.isEmpty) {
        case (let b?, true): return Endpoints(bind: [b])
        case (nil, false): return Endpoints(connect: connect)
        case (_?, false):
            throw OptionsError.invalid(flag: "pull-from", value: connect.joined(separator: ","),
                                       expected: "either --pull (bind) or --pull-from (connect), not both")
        case (nil, true): throw OptionsError.missingOneOf(["pull", "pull-from"])
        }
    }
}

/// The one ServiceGroup of a Mailroom process.
public enum ProcessServices {
    /// Runs `services` together until SIGTERM or SIGINT, which shuts every one down gracefully; a service that
    /// returns or throws shuts the others down too. Rethrows the first error.
    public static func run(_ services: [any Service], logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map {
                .init(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                      failureTerminationBehavior: .gracefullyShutdownGroup)
            },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
