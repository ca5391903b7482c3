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
            abstract: "Write the [schedule NAME] sections of the topology (the monthly retrain) as systemd timers and services, or as Kubernetes CronJobs.")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        @Option(help: "systemd (one machine) or kubernetes (CronJob manifests, concurrencyPolicy: Forbid).") var target: String = "systemd"
        @Option(help: "Folder to write into (default .mailroom/systemd or .mailroom/kubernetes).") var out: String?
        @Option(help: "Kubernetes: the Mailroom container image.") var image: String = "mailroom:latest"
        @Option(help: "Kubernetes: the PersistentVolumeClaim holding .mailroom (registry, feedback store, data).") var stateClaim: String = "mailroom-state"
        func run() throws {
            let topology = try Topology.load(path: file)
            guard !topology.schedules.isEmpty else {
                throw CLIError("\(file) declares no [schedule NAME] section; add one (see Topology/mailroom.topology)")
            }
            let files: [String: String]
            let folder: String
            switch target {
            case "systemd":
                folder = out ?? ".mailroom/systemd"
                files = ScheduleUnits.render(topology, mailroom: TopologyCommand.ownExecutable,
                                             workingDirectory: FileManager.default.currentDirectoryPath)
            case "kubernetes":
                folder = out ?? ".mailroom/kubernetes"
                files = try ScheduleCronJobs.render(topology, image: image, stateClaim: stateClaim)
            default:
                throw ValidationError("--target is systemd or kubernetes, not \(target)")
            }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for (name, text) in files.sorted(by: { $0.key < $1.key }) {
                try text.write(toFile: (folder as NSString).appendingPathComponent(name), atomically: true, encoding: .utf8)
                print((folder as NSString).appendingPathComponent(name))
            }
            if target == "kubernetes" {
                note("apply: kubectl apply -f \(folder)/; runs and failures: kubectl get cronjobs,jobs -l app.kubernetes.io/name=mailroom")
                return
            }
            let timers = files.keys.filter { $0.hasSuffix(".timer") }.sorted()
            note("install: sudo cp \(folder)/*.service \(folder)/*.timer /etc/systemd/system/ && sudo systemctl daemon-reload "
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
