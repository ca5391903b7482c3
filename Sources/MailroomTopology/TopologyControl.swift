// TopologyControl: `mailroom topology up|down|status` — start a detached supervisor, stop it, report on it.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import MailroomCore

/// Operations behind `mailroom topology up|down|status FILE`; the CLI only parses flags and calls these.
///
/// The supervisor runs as its own detached process (a new session), started with the command the CLI gives
/// (normally `mailroom topology supervise FILE ...`, which builds a ``Supervisor`` and calls ``Supervisor/run()``).
/// Its output goes to `<run_dir>/supervisor.log`; its state to `<run_dir>/supervisor.state.json`.
public enum TopologyControl {
    /// `up` gives up early on an instance that has been restarted this many times without staying up.
    static let failingRestarts = 3

    /// Starts the topology's supervisor in the background and waits until every instance runs.
    /// - Parameters:
    ///   - topologyPath: the topology file.
    ///   - binDirectory: where bare executable names are looked up; checked here so a missing build fails fast.
    ///     Pass the same directory to the supervisor in `supervisorCommand`.
    ///   - supervisorCommand: the command that runs the supervisor in the foreground, e.g.
    ///     `[mailroomPath, "topology", "supervise", topologyPath, "--bin", binDirectory]`; the first element is
    ///     the executable path.
    ///   - waitSeconds: how long to wait for every instance to be running.
    /// - Returns: the status once every instance runs.
    /// - Throws: ``SupervisorError/alreadyRunning(pid:stateFile:)``, ``SupervisorError/executableNotFound(instance:path:)``,
    ///   ``SupervisorError/supervisorExited(status:log:logTail:)`` (with the end of its log) or
    ///   ``SupervisorError/instancesFailing(instances:status:logTails:)`` (an instance failed for good or was
    ///   restarted 3 times, with the end of its log) or ``SupervisorError/notReady(seconds:status:log:)``; in both
    ///   cases the supervisor is left running, and `down` stops it.
    public static func up(topologyPath: String, binDirectory: String, supervisorCommand: [String],
                          waitSeconds: Double) throws -> TopologyStatus {
        let topology = try Topology.load(path: topologyPath)
        let runDirectory = topology.runDirectory
        let statePath = SupervisorState.path(runDirectory: runDirectory)
        if let state = try readState(topology), state.state != .stopped {
            guard !ProcessSpawner.isAlive(state.supervisorPID) else {
                throw SupervisorError.alreadyRunning(pid: state.supervisorPID, stateFile: statePath)
            }
            try stopOrphans(of: state, topology: topology, timeoutSeconds: 10)
        }
        for instance in try topology.instances() {
            let path = instance.resolvedExecutable(binDirectory: binDirectory)
            guard ProcessSpawner.isExecutable(path) else {
                throw SupervisorError.executableNotFound(instance: instance.id, path: path)
            }
        }
        guard let executable = supervisorCommand.first else {
            throw SupervisorError.spawnFailed(path: "", reason: "the supervisor command is empty")
        }
        do {
            try PrivateFiles.makeDirectory(runDirectory)
        } catch {
            throw SupervisorError.cannotCreateDirectory(path: runDirectory, reason: "\(error)")
        }
        try? FileManager.default.removeItem(atPath: statePath)
        let logPath = (runDirectory as NSString).appendingPathComponent(SupervisorState.logFileName)
        let pid = try ProcessSpawner.spawn(path: executable, arguments: Array(supervisorCommand.dropFirst()),
                                           environment: ProcessInfo.processInfo.environment, logPath: logPath,
                                           newSession: true)
        let deadline = SupervisionLoop.monotonicNow() + waitSeconds
        var lastStatus: TopologyStatus?
        while true {
            var waitStatus: Int32 = 0
            if waitpid(pid, &waitStatus, WNOHANG) == pid {
                throw SupervisorError.supervisorExited(status: ExitStatus(waitStatus: waitStatus).description,
                                                       log: logPath, logTail: tail(of: logPath, lines: 20))
            }
            if let state = try readState(topology), state.supervisorPID == pid {
                let status = try TopologyStatus(topology: topology, state: state)
                if status.isUp { return status }
                lastStatus = status
                let failing = state.instances.filter {
                    $0.state == .failed || ($0.state == .backoff && $0.restarts >= failingRestarts)
                }
                if !failing.isEmpty {
                    let tails = failing.map { "[last lines of \($0.log)]\n" + tail(of: $0.log, lines: 5) }
                    throw SupervisorError.instancesFailing(instances: failing.map(\.id), status: status.description,
                                                           logTails: tails.joined(separator: "\n"))
                }
            }
            if SupervisionLoop.monotonicNow() >= deadline {
                throw SupervisorError.notReady(seconds: waitSeconds,
                                               status: lastStatus?.description ?? "(no state file yet)", log: logPath)
            }
            usleep(50_000)
        }
    }

    /// Stops the topology: SIGTERM to the supervisor, then waits for it to exit. Does nothing when it is not
    /// running. When the supervisor died without stopping (state `stale`), stops the instances it left behind
    /// (`up` does the same before starting a new supervisor).
    /// - Parameters:
    ///   - topologyPath: the topology file.
    ///   - timeoutSeconds: how long to wait; make it longer than the supervisor's grace period (10 s by default).
    /// - Throws: ``SupervisorError/stopTimedOut(pid:seconds:)``.
    public static func down(topologyPath: String, timeoutSeconds: Double) throws {
        let topology = try Topology.load(path: topologyPath)
        guard let state = try readState(topology), state.state != .stopped else { return }
        let pid = state.supervisorPID
        if ProcessSpawner.isAlive(pid) {
            kill(pid, SIGTERM)
            guard waitUntilGone([pid], seconds: timeoutSeconds) else {
                throw SupervisorError.stopTimedOut(pid: pid, seconds: timeoutSeconds)
            }
            return
        }
        try stopOrphans(of: state, topology: topology, timeoutSeconds: timeoutSeconds)
    }

    /// The supervisor is gone without stopping (e.g. SIGKILL): stops the instances it left and marks the state
    /// file stopped. Each instance was its own process group leader, so a pid that is no longer a group leader was
    /// reused by something else and is left alone.
    private static func stopOrphans(of state: SupervisorState, topology: Topology,
                                    timeoutSeconds: Double) throws {
        let orphans = state.instances.compactMap(\.pid).filter { ProcessSpawner.isAlive($0) && getpgid($0) == $0 }
        for orphan in orphans { kill(-orphan, SIGTERM) }
        if !waitUntilGone(orphans, seconds: timeoutSeconds) {
            for orphan in orphans where ProcessSpawner.isAlive(orphan) { kill(-orphan, SIGKILL) }
        }
        var stopped = state
        stopped.state = .stopped
        stopped.updatedAt = Date()
        for index in stopped.instances.indices {
            stopped.instances[index].pid = nil
            stopped.instances[index].state = .stopped
        }
        do {
            try SupervisorState.write(try stopped.encoded(), runDirectory: topology.runDirectory)
        } catch {
            throw SupervisorError.stateFile(path: SupervisorState.path(runDirectory: topology.runDirectory),
                                            reason: "\(error)")
        }
    }

    /// Reads the state file and checks every pid.
    /// - Returns: the status; `phase` is `not running` when no supervisor ever ran in this run directory.
    public static func status(topologyPath: String) throws -> TopologyStatus {
        let topology = try Topology.load(path: topologyPath)
        return try TopologyStatus(topology: topology, state: try readState(topology))
    }

    private static func readState(_ topology: Topology) throws -> SupervisorState? {
        do {
            return try SupervisorState.read(runDirectory: topology.runDirectory)
        } catch {
            throw SupervisorError.stateFile(path: SupervisorState.path(runDirectory: topology.runDirectory),
                                            reason: "\(error)")
        }
    }

    /// Polls until none of `pids` is alive (reaping any that are this process's children); false on timeout.
    private static func waitUntilGone(_ pids: [Int32], seconds: Double) -> Bool {
        let deadline = SupervisionLoop.monotonicNow() + seconds
        while true {
            var status: Int32 = 0
            for pid in pids { _ = waitpid(pid, &status, WNOHANG) }
            if !pids.contains(where: ProcessSpawner.isAlive) { return true }
            if SupervisionLoop.monotonicNow() >= deadline { return false }
            usleep(20_000)
        }
    }

    /// The last `lines` lines of a file ("" when unreadable).
    static func tail(of path: String, lines: Int) -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return "" }
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
