// mailroom topology up|down|status|supervise: starts, watches and stops the processes a topology file declares.
import ArgumentParser
import Foundation
import Logging
import MailroomRuntime
import MailroomTopology

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Run the process graph declared in a topology file.",
        subcommands: [Up.self, Down.self, Status.self, Supervise.self, Schedule.self])

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

    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a systemd timer and service for each [schedule NAME] of the topology (the monthly retrain).")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        @Option(help: "Folder to write the units into.") var out: String = ".mailroom/systemd"
        func run() throws {
            let topology = try Topology.load(path: file)
            guard !topology.schedules.isEmpty else {
                throw CLIError("\(file) declares no [schedule NAME] section; add one (see Topology/mailroom.topology)")
            }
            let files = ScheduleUnits.render(topology, mailroom: TopologyCommand.ownExecutable,
                                             workingDirectory: FileManager.default.currentDirectoryPath)
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            for (name, text) in files.sorted(by: { $0.key < $1.key }) {
                try text.write(toFile: (out as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
                print((out as NSString).appendingPathComponent(name))
            }
            let timers = files.keys.filter { $0.hasSuffix(".timer") }.sorted()
            note("install: sudo cp \(out)/*.service \(out)/*.timer /etc/systemd/system/ && sudo systemctl daemon-reload "
                 + "&& sudo systemctl enable --now \(timers.joined(separator: " "))")
            note("a run's log: journalctl -u \(timers.first.map { String($0.dropLast(6)) } ?? "UNIT").service; next runs: systemctl list-timers")
        }
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
