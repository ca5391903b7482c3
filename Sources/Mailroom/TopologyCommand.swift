// mailroom topology up|down|status|supervise: starts, watches and stops the processes a topology file declares.
import ArgumentParser
import Foundation
import Logging
import MailroomRuntime
import MailroomTopology

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Run the process graph declared in a topology file.",
        subcommands: [Up.self, Down.self, Status.self, Supervise.self])

    /// The folder holding this executable: the stage executables are built next to it.
    static var ownDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (exe as NSString).deletingLastPathComponent
    }
    static var ownExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    struct Up: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the topology in the background, supervised (restart on crash with back-off).")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        @Option(help: "Folder with the stage executables (default: next to mailroom).") var binDir: String?
        @Option(help: "Seconds to wait for every process to be running.") var wait: Double = 30

        func run() throws {
            let status = try TopologyControl.up(topologyPath: file, binDirectory: binDir ?? TopologyCommand.ownDirectory,
                                                supervisorCommand: [TopologyCommand.ownExecutable, "topology", "supervise", file] + (binDir.map { ["--bin-dir", $0] } ?? []),
                                                waitSeconds: wait)
            print(status)
        }
    }

    struct Down: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the topology: SIGTERM to every process (they drain, then exit).")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        @Option(help: "Seconds to wait before killing.") var timeout: Double = 20
        func run() throws {
            try TopologyControl.down(topologyPath: file, timeoutSeconds: timeout)
            print("topology stopped")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every process of the topology: pid, state, restarts, uptime.")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        func run() throws { print(try TopologyControl.status(topologyPath: file)) }
    }

    struct Supervise: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run the supervisor in the foreground (what `up` starts in the background); SIGTERM/SIGINT stop the topology.")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        @Option(help: "Folder with the stage executables.") var binDir: String?
        func run() async throws {
            try ProcessLogging.bootstrap(level: "info")
            let logger = Logger(label: "mailroom.supervisor")
            let topology = try Topology.load(path: file)
            let logs = (topology.runDirectory as NSString).appendingPathComponent("logs")
            let supervisor = Supervisor(topology: topology, binDirectory: binDir ?? TopologyCommand.ownDirectory,
                                        logDirectory: logs, logger: logger)
            try await ProcessServices.run([SupervisorService(supervisor)], logger: logger)
        }
    }
}
