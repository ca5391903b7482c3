// TopologyControlTests: `up` refusals and early-exit report, `down` (idempotent, SIGTERM + wait), `status` table.
import Foundation
import MailroomTopology
import Testing

private func topologyFile(in directory: TemporaryDirectory, executable: String = "/bin/sleep") throws -> String {
    try directory.write("""
        [topology]
        name = ctl
        run_dir = \(directory.file("run"))
        [process worker]
        replicas = 2
        executable = \(executable)
        args = 30
        """, to: "ctl.topology")
}

/// Writes a state file as a supervisor with `pid` would.
private func writeState(_ directory: TemporaryDirectory, supervisorPID: Int32, phase: SupervisorPhase,
                        instancePIDs: [Int32?] = [nil, nil]) throws {
    let instances = instancePIDs.enumerated().map { index, pid in
        """
        {"id": "worker-\(index)", "process": "worker", "replica": \(index), "pid": \(pid.map(String.init) ?? "null"),
         "state": "\(pid == nil ? "backoff" : "running")", "restarts": \(index), "executable": "/bin/sleep",
         "log": "x.log", "started_at": "2026-01-01T00:00:00.000Z", "last_exit": {"code": 1}}
        """
    }
    let json = """
        {"topology": "ctl", "supervisor_pid": \(supervisorPID), "state": "\(phase.rawValue)",
         "started_at": "2026-01-01T00:00:00.000Z", "updated_at": "2026-01-01T00:00:00.000Z",
         "instances": [\(instances.joined(separator: ","))]}
        """
    try FileManager.default.createDirectory(atPath: directory.file("run"), withIntermediateDirectories: true)
    _ = try directory.write(json, to: "run/supervisor.state.json")
}

/// Starts `/bin/sleep 30` (or a shell script) with Foundation.Process (it stands in for a supervisor). It is started from a fresh
/// thread with no blocked signals: the test runner's threads block SIGTERM, and Foundation.Process passes the
/// calling thread's mask on to the child.
private func startSleeper(shellScript: String? = nil) throws -> Process {
    let process = Process()
    if let shellScript {
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", shellScript]
    } else {
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
    }
    let failure = LockedBox<String?>(nil)
    let done = DispatchSemaphore(value: 0)
    let thread = Thread { [process, failure, done] in
        var empty = sigset_t()
        sigemptyset(&empty)
        pthread_sigmask(SIG_SETMASK, &empty, nil)
        do { try process.run() } catch { failure.set("\(error)") }
        done.signal()
    }
    thread.start()
    done.wait()
    if let failure = failure.get() { throw TopologyError.unreadable(path: "/bin/sleep", reason: failure) }
    return process
}

@Suite struct TopologyControlTests {
    @Test func statusWithoutSupervisorListsInstancesAsDown() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let status = try TopologyControl.status(topologyPath: try topologyFile(in: directory))
        #expect(status.phase == "not running")
        #expect(!status.isUp)
        #expect(status.instances.map(\.id) == ["worker-0", "worker-1"])
        #expect(status.instances.allSatisfy { $0.state == "down" })
        #expect(status.description.contains("topology ctl: not running"))
        #expect(status.table.hasPrefix("ID"))
    }

    @Test func statusOfARunningSupervisorShowsPidsStatesAndUptime() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        let supervisor = Supervisor(topology: try Topology.load(path: path), binDirectory: "/bin",
                                    logDirectory: directory.file("logs"), logger: quietLogger,
                                    pollInterval: 0.02)
        let thread = SupervisorThread(supervisor)
        defer { _ = thread.stop() }
        let status = try #require(poll { () throws -> TopologyStatus? in
            let status = try TopologyControl.status(topologyPath: path)
            return status.isUp ? status : nil
        })
        #expect(status.supervisorPID == getpid())
        #expect(status.instances.allSatisfy { $0.alive && $0.pid != nil && $0.uptime != nil })
        let rows = status.table.split(separator: "\n")
        #expect(rows.count == 3)
        #expect(rows[0].split(separator: " ", omittingEmptySubsequences: true)
                == ["ID", "PID", "STATE", "RESTARTS", "UPTIME", "LAST", "EXIT"])
        #expect(rows[1].hasPrefix("worker-0") && rows[1].contains("running"))
    }

    @Test func statusMarksAStaleStateFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        let gone = try startSleeper()
        gone.terminate()
        gone.waitUntilExit()
        try writeState(directory, supervisorPID: gone.processIdentifier, phase: .running,
                       instancePIDs: [gone.processIdentifier, nil])
        let status = try TopologyControl.status(topologyPath: path)
        #expect(status.phase == "stale")
        #expect(!status.supervisorAlive)
        #expect(status.instances[0].state == "dead")
        #expect(status.instances[1].state == "backoff")
        #expect(status.instances[1].lastExit == ExitStatus(code: 1))
        #expect(status.table.contains("exit 1"))
    }

    @Test func downIsFineWhenNothingRuns() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        try TopologyControl.down(topologyPath: path, timeoutSeconds: 1)
        try writeState(directory, supervisorPID: getpid(), phase: .stopped)  // stopped: the pid is not signalled
        try TopologyControl.down(topologyPath: path, timeoutSeconds: 1)
    }

    @Test func downSendsSIGTERMAndWaitsForTheSupervisor() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        // The fake supervisor records the signal it got in a file: `down` reaps its child with waitpid, which can
        // win the race against Foundation.Process's own reaper, so Process's termination status is not evidence.
        // `down` returning (not throwing stopTimedOut) is the evidence that it waited until the pid was gone.
        let marker = directory.file("signal"), ready = directory.file("ready")
        let fakeSupervisor = try startSleeper(
            shellScript: "trap 'echo TERM > \(marker); kill $!; exit 0' TERM; echo > \(ready); sleep 30 & wait")
        let readyBy = Date().addingTimeInterval(20)
        while !FileManager.default.fileExists(atPath: ready) && Date() < readyBy { usleep(10_000) }
        try #require(FileManager.default.fileExists(atPath: ready), "the fake supervisor never set its trap")
        try writeState(directory, supervisorPID: fakeSupervisor.processIdentifier, phase: .running)
        try TopologyControl.down(topologyPath: path, timeoutSeconds: 10)
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "TERM\n")
    }

    @Test func upRefusesWhenAlreadyUp() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        try writeState(directory, supervisorPID: getpid(), phase: .running)
        #expect(throws: SupervisorError.alreadyRunning(pid: getpid(),
                                                       stateFile: directory.file("run/supervisor.state.json"))) {
            try TopologyControl.up(topologyPath: path, binDirectory: "/bin", supervisorCommand: ["/bin/true"],
                                   waitSeconds: 1)
        }
    }

    @Test func upRefusesAMissingExecutable() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory, executable: "no-such-stage")
        #expect(throws: SupervisorError.executableNotFound(instance: "worker-0", path: directory.file("bin/no-such-stage"))) {
            try TopologyControl.up(topologyPath: path, binDirectory: directory.file("bin"),
                                   supervisorCommand: ["/bin/true"], waitSeconds: 1)
        }
    }

    @Test func upReportsASupervisorThatExitsEarlyWithItsLog() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        #expect {
            try TopologyControl.up(topologyPath: path, binDirectory: "/bin",
                                   supervisorCommand: ["/bin/sh", "-c", "echo 'E: boom' >&2; exit 3"], waitSeconds: 5)
        } throws: { error in
            guard case .supervisorExited(let status, let log, let tail) = error as? SupervisorError else { return false }
            return status == "exit 3" && log == directory.file("run/supervisor.log") && tail.contains("E: boom")
        }
    }

    @Test func upTimesOutWhenTheSupervisorNeverReportsRunning() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try topologyFile(in: directory)
        #expect {
            try TopologyControl.up(topologyPath: path, binDirectory: "/bin",
                                   supervisorCommand: ["/bin/sleep", "2"], waitSeconds: 0.3)
        } throws: { error in
            guard case .notReady(let seconds, _, _) = error as? SupervisorError else { return false }
            return seconds == 0.3
        }
    }
}
