// mailroom topology up|down|status|supervise: starts, watches and stops the processes a topology file declares;
// schedule and render write it for systemd and Kubernetes.
import ArgumentParser
import Foundation
import MailroomCore
import Logging
import MailroomRuntime
import MailroomTopology

struct TopologyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Run the process graph declared in a topology file.",
        subcommands: [Up.self, Down.self, Status.self, Supervise.self, Schedule.self, Render.self])

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

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the whole topology as Kubernetes manifests with a kustomization (kubectl apply -k DIR), plus keda/ and monitoring/ overlays.")
        @Argument(help: "Topology file.") var file: String = "Topology/mailroom.topology"
        @Option(help: "kubernetes (the only target; `mailroom topology up` runs the same file on one machine).") var target: String = "kubernetes"
        @Option(help: "Folder to write into (its old files are replaced).") var out: String = ".mailroom/kubernetes"
        @Option(help: "The Mailroom container image (see Containerfile).") var image: String = "mailroom:latest"
        @Option(help: "The namespace for every object.") var namespace: String = "mailroom"
        @Option(help: "The PersistentVolumeClaim for .mailroom (registry, journals, store; ReadWriteMany).") var stateClaim: String = "mailroom-state"
        @Option(help: "Its size.") var stateSize: String = "20Gi"
        @Option(help: "Its StorageClass (default: the cluster's).") var storageClass: String?
        @Option(help: "Most classifier replicas the autoscaler runs (default: 4 × the topology's, at least 4).") var maxClassifiers: Int?
        @Option(help: "Accepted emails without a result, per classifier replica, at which KEDA adds one.") var inFlightPerClassifier: Int = 64
        @Option(help: "The Prometheus that KEDA asks.") var prometheus: String = "http://prometheus-operated.monitoring.svc:9090"

        func run() throws {
            guard target == "kubernetes" else { throw ValidationError("--target is kubernetes, not \(target)") }
            guard maxClassifiers.map({ $0 >= 1 }) ?? true else { throw ValidationError("--max-classifiers is 1 or more") }
            guard inFlightPerClassifier >= 1 else { throw ValidationError("--in-flight-per-classifier is 1 or more") }
            let topology = try Topology.load(path: file)
            var options = KubernetesOptions()
            options.image = image; options.namespace = namespace; options.stateClaim = stateClaim
            options.stateSize = stateSize; options.storageClass = storageClass; options.maxClassifiers = maxClassifiers
            options.inFlightPerClassifier = inFlightPerClassifier; options.prometheusURL = prometheus
            options.topologyText = try String(contentsOfFile: file, encoding: .utf8)
            if let rules = topology.variables["router_rules"] {
                do { options.routerRules = try String(contentsOfFile: rules, encoding: .utf8) } catch {
                    throw CLIError("cannot read the router rules \(rules) the topology names (relative to this folder): \(error.localizedDescription)")
                }
            }
            let files = try KubernetesManifests.render(topology, options: options)
            let fm = FileManager.default
            for sub in ["", "base", "keda", "monitoring"] {
                let dir = (out as NSString).appendingPathComponent(sub)
                for old in (try? fm.contentsOfDirectory(atPath: dir)) ?? [] where old.hasSuffix(".yaml") {
                    try fm.removeItem(atPath: (dir as NSString).appendingPathComponent(old))
                }
            }
            for (name, text) in files.sorted(by: { $0.key < $1.key }) {
                let path = (out as NSString).appendingPathComponent(name)
                try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: path, atomically: true, encoding: .utf8)
            }
            print("wrote \(files.count) files to \(out)")
            note("secrets first: kubectl create namespace \(namespace); kubectl -n \(namespace) create secret generic mailroom-api-keys --from-file=api-keys=.mailroom/api-keys")
            for advice in try KubernetesManifests.advice(topology, options: options) { note("advice: \(advice)") }
            if let db = topology.variables["database"], DatabaseURL.isPostgres(db) {
                note("the store is on PostgreSQL: kubectl -n \(namespace) create secret generic mailroom-database --from-literal=url='postgres://…' (the manifests hold no password)")
            }
            note("apply: kubectl apply -k \(out)   (KEDA autoscaling: kubectl apply -k \(out)/keda; Prometheus Operator and Grafana: kubectl apply -k \(out)/monitoring)")
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
