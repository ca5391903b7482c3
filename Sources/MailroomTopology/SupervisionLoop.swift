// SupervisionLoop: the supervisor's mutable state and its poll loop (spawn, reap, back off, restart, stop).
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Logging
import MailroomCore

/// One instance as the loop tracks it.
struct SupervisedInstance {
    let instance: ProcessInstance
    let executable: String
    let logPath: String
    var record: InstanceRecord
    /// Monotonic seconds when the current process started.
    var startedMonotonic: Double = 0
    /// Consecutive exits without `resetAfter` seconds of uptime in between.
    var consecutiveFailures = 0
    /// Monotonic seconds when the next start is due, in `backoff`.
    var nextStartMonotonic: Double = 0
}

/// The supervisor's poll loop and all its mutable state.
///
/// Confined to the thread that calls ``Supervisor/run()``: it is created, used and dropped there, and the only
/// cross-thread input is the `shouldStop` closure (an atomic load). That is why it needs no lock.
final class SupervisionLoop {
    private let supervisor: Supervisor
    private var logger: Logger { supervisor.logger }
    private var instances: [SupervisedInstance]
    private var state: SupervisorState
    private var dirty = true

    init(supervisor: Supervisor) throws {
        self.supervisor = supervisor
        let topology = supervisor.topology
        for directory in [topology.runDirectory, supervisor.logDirectory] {
            do {
                try PrivateFiles.makeDirectory(directory)  // ipc sockets and logs: this user only
            } catch {
                throw SupervisorError.cannotCreateDirectory(path: directory, reason: "\(error)")
            }
        }
        if let previous = try? SupervisorState.read(runDirectory: topology.runDirectory),
           previous.state != .stopped, previous.supervisorPID != getpid(),
           ProcessSpawner.isAlive(previous.supervisorPID) {
            throw SupervisorError.alreadyRunning(pid: previous.supervisorPID,
                                                 stateFile: SupervisorState.path(runDirectory: topology.runDirectory))
        }
        instances = try topology.instances().map { instance in
            let executable = instance.resolvedExecutable(binDirectory: supervisor.binDirectory)
            guard ProcessSpawner.isExecutable(executable) else {
                throw SupervisorError.executableNotFound(instance: instance.id, path: executable)
            }
            let logPath = (supervisor.logDirectory as NSString).appendingPathComponent("\(instance.id).log")
            let record = InstanceRecord(id: instance.id, process: instance.process, replica: instance.replica,
                                        pid: nil, state: .pending, restarts: 0, executable: executable, log: logPath)
            return SupervisedInstance(instance: instance, executable: executable, logPath: logPath, record: record)
        }
        state = SupervisorState(topology: topology.name, supervisorPID: getpid(), state: .starting, startedAt: Date(),
                                updatedAt: Date(), instances: instances.map(\.record))
    }

    /// Starts everything, supervises until `shouldStop()` is true, then stops everything.
    func run(until shouldStop: () -> Bool) throws {
        removeSocketFiles()
        logger.info("starting topology", metadata: ["topology": "\(state.topology)", "instances": "\(instances.count)"])
        for index in instances.indices { start(index) }
        state.state = .running
        dirty = true
        try writeStateIfChanged()
        let pollMicroseconds = useconds_t(max(supervisor.pollInterval, 0.001) * 1_000_000)
        while !shouldStop() {
            reapExited(restarting: true)
            startDue()
            try writeStateIfChanged()
            usleep(pollMicroseconds)
        }
        try shutdown()
    }

    // MARK: - Starting

    private func start(_ index: Int) {
        let item = instances[index]
        let header = "--- \(Date().formatted(.iso8601)) mailroom supervisor starting \(item.instance.id): "
            + Redaction.urlPasswords(([item.executable] + item.instance.arguments).joined(separator: " ")) + "\n"
        appendToLog(header, path: item.logPath)
        do {
            let pid = try ProcessSpawner.spawn(path: item.executable, arguments: item.instance.arguments,
                                               environment: ProcessSpawner.environment(adding: item.instance.environment),
                                               logPath: item.logPath)
            instances[index].record.pid = pid
            instances[index].record.state = .running
            instances[index].record.startedAt = Date()
            instances[index].record.backoffSeconds = nil
            instances[index].record.nextStartAt = nil
            instances[index].record.error = nil
            instances[index].startedMonotonic = Self.monotonicNow()
            logger.info("started", metadata: ["instance": "\(item.instance.id)", "pid": "\(pid)"])
        } catch {
            logger.error("cannot start", metadata: ["instance": "\(item.instance.id)", "error": "\(error.message)"])
            instances[index].record.error = error.message
            instances[index].startedMonotonic = Self.monotonicNow()
            scheduleRestartOrFinish(index, status: nil)
        }
        dirty = true
    }

    private func startDue() {
        let now = Self.monotonicNow()
        for index in instances.indices
        where instances[index].record.state == .backoff && instances[index].nextStartMonotonic <= now {
            instances[index].record.restarts += 1
            start(index)
        }
    }

    // MARK: - Exits

    /// Reaps every exited child; while running, schedules restarts, while stopping, marks them stopped.
    private func reapExited(restarting: Bool) {
        for index in instances.indices {
            guard let pid = instances[index].record.pid else { continue }
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == 0 || (result == -1 && errno == EINTR) { continue }
            let exit: ExitStatus? = result == pid ? ExitStatus(waitStatus: status) : nil
            if exit != nil { kill(-pid, SIGKILL) }  // its process group: grandchildren left behind by a crash
            instances[index].record.pid = nil
            instances[index].record.lastExit = exit
            dirty = true
            let metadata: Logger.Metadata = ["instance": "\(instances[index].instance.id)", "pid": "\(pid)",
                                             "exit": "\(exit?.description ?? "lost")"]
            if restarting {
                logger.warning("instance exited", metadata: metadata)
                scheduleRestartOrFinish(index, status: exit)
            } else {
                logger.info("instance stopped", metadata: metadata)
                instances[index].record.state = .stopped
            }
        }
    }

    /// After an exit (or a failed spawn, `status` nil): back off and restart, or settle as exited / failed.
    private func scheduleRestartOrFinish(_ index: Int, status: ExitStatus?) {
        let policy = instances[index].instance.restart
        let failed = !(status?.isSuccess ?? false)
        guard policy.restarts(after: status ?? ExitStatus(code: 127)) else {
            instances[index].record.state = failed ? .failed : .exited
            return
        }
        let now = Self.monotonicNow()
        if now - instances[index].startedMonotonic >= supervisor.backoff.resetAfter {
            instances[index].consecutiveFailures = 0
        }
        instances[index].consecutiveFailures += 1
        let delay = supervisor.backoff.delay(afterFailures: instances[index].consecutiveFailures)
        instances[index].nextStartMonotonic = now + delay
        instances[index].record.state = .backoff
        instances[index].record.backoffSeconds = delay
        instances[index].record.nextStartAt = Date().addingTimeInterval(delay)
        logger.info("restart scheduled", metadata: ["instance": "\(instances[index].instance.id)",
                                                    "delay_s": "\(delay)"])
    }

    // MARK: - Stopping

    private func shutdown() throws {
        state.state = .stopping
        logger.info("stopping topology", metadata: ["topology": "\(state.topology)"])
        for index in instances.indices {
            if let pid = instances[index].record.pid {
                if kill(-pid, SIGTERM) != 0 { kill(pid, SIGTERM) }
                instances[index].record.state = .stopping
            } else {
                instances[index].record.state = .stopped
                instances[index].record.backoffSeconds = nil
                instances[index].record.nextStartAt = nil
            }
        }
        dirty = true
        try writeStateIfChanged()
        let deadline = Self.monotonicNow() + supervisor.gracePeriod
        while instances.contains(where: { $0.record.pid != nil }) && Self.monotonicNow() < deadline {
            reapExited(restarting: false)
            try writeStateIfChanged()
            usleep(20_000)
        }
        for index in instances.indices {
            guard let pid = instances[index].record.pid else { continue }
            logger.warning("did not stop in time, killing", metadata: ["instance": "\(instances[index].instance.id)",
                                                                     "pid": "\(pid)"])
            if kill(-pid, SIGKILL) != 0 { kill(pid, SIGKILL) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            instances[index].record.pid = nil
            instances[index].record.lastExit = ExitStatus(waitStatus: status)
            instances[index].record.state = .stopped
        }
        removeSocketFiles()
        state.state = .stopped
        dirty = true
        try writeStateIfChanged()
        logger.info("topology stopped", metadata: ["topology": "\(state.topology)"])
    }

    /// Deletes the socket files of every `ipc://` endpoint (only sockets; other files are left alone).
    private func removeSocketFiles() {
        let topology = supervisor.topology
        for endpoint in topology.endpoints {
            for address in (try? topology.addresses(of: endpoint.name)) ?? [] where address.hasPrefix("ipc://") {
                let path = String(address.dropFirst("ipc://".count))
                var info = stat()
                if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFSOCK {
                    unlink(path)
                }
            }
        }
    }

    // MARK: - Helpers

    private func writeStateIfChanged() throws {
        guard dirty else { return }
        state.instances = instances.map(\.record)
        state.updatedAt = Date()
        let path = SupervisorState.path(runDirectory: supervisor.topology.runDirectory)
        do {
            try SupervisorState.write(try state.encoded(), runDirectory: supervisor.topology.runDirectory)
        } catch {
            throw SupervisorError.stateFile(path: path, reason: "\(error)")
        }
        dirty = false
    }

    private func appendToLog(_ text: String, path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    static func monotonicNow() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
