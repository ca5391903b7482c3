// TopologyStatus: a readable snapshot of a topology's supervisor and instances, checked against live pids.
import Foundation

/// What `mailroom topology status` shows: the state file, with every pid checked with `kill(pid, 0)`.
public struct TopologyStatus: Sendable, CustomStringConvertible {
    /// One instance's row.
    public struct Instance: Sendable {
        public var id: String
        public var pid: Int32?
        /// The recorded ``InstanceState`` raw value, `dead` when recorded running but the pid is gone,
        /// or `down` when no supervisor state exists.
        public var state: String
        public var restarts: Int
        public var lastExit: ExitStatus?
        /// Seconds since the current process started, when it is running.
        public var uptime: Double?
        /// Whether the pid is alive.
        public var alive: Bool
    }

    /// The topology name.
    public var topology: String
    /// The supervisor's pid, if a state file exists.
    public var supervisorPID: Int32?
    /// Whether that pid is alive.
    public var supervisorAlive: Bool
    /// `running`, `starting`, `stopping`, `stopped`, `not running` (no state file) or `stale` (the supervisor
    /// died without stopping).
    public var phase: String
    /// One row per instance.
    public var instances: [Instance]

    /// True when the supervisor is alive and every instance is running (or, for `restart = never` /
    /// `on-failure`, has finished with exit status 0).
    public var isUp: Bool {
        supervisorAlive && phase == "running"
            && instances.allSatisfy { ($0.state == "running" && $0.alive) || $0.state == "exited" }
    }

    /// Builds the status from a state file (or from the topology alone when there is none).
    init(topology: Topology, state: SupervisorState?, now: Date = Date()) throws {
        self.topology = topology.name
        guard let state else {
            supervisorPID = nil
            supervisorAlive = false
            phase = "not running"
            instances = try topology.instances().map {
                Instance(id: $0.id, pid: nil, state: "down", restarts: 0, lastExit: nil, uptime: nil, alive: false)
            }
            return
        }
        supervisorPID = state.supervisorPID
        supervisorAlive = state.state != .stopped && ProcessSpawner.isAlive(state.supervisorPID)
        phase = state.state != .stopped && !supervisorAlive ? "stale" : state.state.rawValue
        instances = state.instances.map { record in
            let alive = record.pid.map(ProcessSpawner.isAlive) ?? false
            let stateText = record.state == .running && !alive ? "dead" : record.state.rawValue
            let uptime = alive && record.state == .running ? record.startedAt.map { now.timeIntervalSince($0) } : nil
            return Instance(id: record.id, pid: record.pid, state: stateText, restarts: record.restarts,
                            lastExit: record.lastExit, uptime: uptime, alive: alive)
        }
    }

    /// A table with one row per instance: id, pid, state, restarts, uptime, last exit.
    public var table: String {
        let header = ["ID", "PID", "STATE", "RESTARTS", "UPTIME", "LAST EXIT"]
        let rows = instances.map { instance in
            [instance.id, instance.pid.map(String.init) ?? "-", instance.state, String(instance.restarts),
             instance.uptime.map(Self.duration) ?? "-", instance.lastExit?.description ?? "-"]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }

    public var description: String {
        let supervisor = phase == "stopped" ? nil
            : supervisorPID.map { "supervisor pid \($0)" + (supervisorAlive ? "" : " (gone; `down` stops what it left)") }
        return "topology \(topology): \(phase)" + (supervisor.map { ", \($0)" } ?? "") + "\n" + table
    }

    /// `45s`, `3m 07s`, `2h 05m`, `3d 04h`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.down))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return String(format: "%dm %02ds", total / 60, total % 60)
        case ..<86400: return String(format: "%dh %02dm", total / 3600, total % 3600 / 60)
        default: return String(format: "%dd %02dh", total / 86400, total % 86400 / 3600)
        }
    }
}
