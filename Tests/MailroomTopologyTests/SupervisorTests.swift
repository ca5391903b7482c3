// SupervisorTests: a real Supervisor running real child processes (/bin/sh) — start, restart, back-off, stop.
import Foundation
import MailroomTopology
import ServiceLifecycle
import Testing

/// Fast back-off for tests: 0.05 s doubling to 0.4 s.
private let fastBackoff = Backoff(initial: 0.05, multiplier: 2, maximum: 0.4, resetAfter: 60)

private func makeSupervisor(_ text: String, in directory: TemporaryDirectory, grace: Double = 3) throws -> Supervisor {
    Supervisor(topology: try Topology.parse(text, file: "test.topology"), binDirectory: "/bin",
               logDirectory: directory.file("logs"), logger: quietLogger, backoff: fastBackoff, gracePeriod: grace,
               pollInterval: 0.02)
}

private func startSupervisor(_ text: String, in directory: TemporaryDirectory,
                             grace: Double = 3) throws -> (SupervisorThread, Topology) {
    let supervisor = try makeSupervisor(text, in: directory, grace: grace)
    return (SupervisorThread(supervisor), supervisor.topology)
}

private func record(_ id: String, _ state: SupervisorState?) -> InstanceRecord? {
    state?.instances.first { $0.id == id }
}

@Suite struct SupervisorTests {
    @Test func startsRestartsKilledChildAndStopsEverything() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = directory.file("run")
        let text = """
        [topology]
        name = sup
        run_dir = \(run)
        [endpoints]
        sleeper.in = ipc://{run_dir}/sleeper-{replica}.sock
        [process sleeper]
        replicas = 2
        executable = sh
        args = -c "echo hello from {name}-{replica}; exec sleep 30"
        [process once]
        executable = /bin/sh
        args = -c 'sleep 30'
        restart = never
        """
        let (thread, _) = try startSupervisor(text, in: directory)

        // Every instance starts.
        let running = try #require(poll {
            readState(run).flatMap { $0.instances.allSatisfy { $0.state == .running } ? $0 : nil }
        }, "instances did not all start")
        #expect(running.state == .running)
        #expect(running.supervisorPID == getpid())
        #expect(running.instances.map(\.id) == ["sleeper-0", "sleeper-1", "once-0"])
        let pids = running.instances.compactMap(\.pid)
        #expect(pids.count == 3 && pids.allSatisfy(isAlive))
        #expect(running.instances[0].executable == "/bin/sh")

        // Output goes to logs/<id>.log.
        let logged = poll {
            (try? String(contentsOfFile: directory.file("logs/sleeper-1.log"), encoding: .utf8))
                .flatMap { $0.contains("hello from sleeper-1") ? true : nil }
        }
        #expect(logged == true)

        // SIGKILL one sleeper: restarted with a new pid, restart count 1.
        let oldPID = try #require(running.instances[0].pid)
        kill(oldPID, SIGKILL)
        let restarted = try #require(poll {
            record("sleeper-0", readState(run)).flatMap { $0.state == .running && $0.restarts == 1 ? $0 : nil }
        }, "killed instance was not restarted")
        #expect(restarted.pid != oldPID)
        #expect(restarted.lastExit == ExitStatus(signal: SIGKILL))
        #expect(restarted.pid.map(isAlive) == true)

        // restart = never: stays failed.
        let oncePID = try #require(running.instances[2].pid)
        kill(oncePID, SIGKILL)
        let failed = try #require(poll { record("once-0", readState(run)).flatMap { $0.state == .failed ? $0 : nil } })
        #expect(failed.pid == nil)
        #expect(failed.restarts == 0)
        usleep(300_000)
        #expect(record("once-0", readState(run))?.state == .failed)
        #expect(record("once-0", readState(run))?.restarts == 0)

        // A socket file left in run_dir is removed on stop; a regular file is not.
        let socketPath = run + "/sleeper-0.sock"
        try makeUnixSocket(at: socketPath)
        _ = FileManager.default.createFile(atPath: run + "/sleeper-1.sock", contents: Data("not a socket".utf8))

        // Stop: every child terminated, state file says stopped.
        let livePIDs = try #require(readState(run)).instances.compactMap(\.pid)
        #expect(livePIDs.count == 2)
        let stopped = thread.stop()
        #expect(stopped.returned && stopped.error == nil, "\(stopped)")
        #expect(livePIDs.allSatisfy { !isAlive($0) })
        let final = try #require(readState(run))
        #expect(final.state == .stopped)
        #expect(final.instances.allSatisfy { $0.state == .stopped && $0.pid == nil })
        #expect(record("sleeper-1", final)?.lastExit == ExitStatus(signal: SIGTERM))
        #expect(!FileManager.default.fileExists(atPath: socketPath))
        #expect(FileManager.default.fileExists(atPath: run + "/sleeper-1.sock"))
    }

    @Test func crashLoopBacksOffExponentially() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = directory.file("run")
        let text = """
        [topology]
        run_dir = \(run)
        [process crasher]
        executable = /bin/sh
        args = -c "exit 1"
        [process clean]
        executable = /bin/sh
        args = -c "exit 0"
        restart = on-failure
        """
        let (thread, _) = try startSupervisor(text, in: directory)
        defer { _ = thread.stop() }

        // Record every back-off delay seen over 1.6 s: 0.05, 0.1, 0.2, 0.4, 0.4, ...
        var delays: [Double] = []
        let deadline = Date().addingTimeInterval(1.6)
        while Date() < deadline {
            if let delay = record("crasher-0", readState(run))?.backoffSeconds, delays.last != delay {
                delays.append(delay)
            }
            usleep(5_000)
        }
        let crasher = try #require(record("crasher-0", readState(run)))
        #expect(crasher.lastExit == ExitStatus(code: 1))
        #expect(delays.first.map { $0 <= 0.1 } == true, "\(delays)")
        #expect(delays.max() == 0.4, "\(delays)")
        #expect(zip(delays, delays.dropFirst()).allSatisfy { $0 < $1 || $1 == 0.4 }, "\(delays)")
        // With a constant 0.05 s delay it would have restarted ~30 times; doubling allows about 5-7.
        #expect(crasher.restarts >= 3 && crasher.restarts <= 9, "restarts \(crasher.restarts)")

        // on-failure and exit 0: exited, never restarted.
        let clean = try #require(record("clean-0", readState(run)))
        #expect(clean.state == .exited)
        #expect(clean.restarts == 0)
        #expect(clean.lastExit == ExitStatus(code: 0))
    }

    @Test func childIgnoringSIGTERMIsKilledAfterTheGracePeriod() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = directory.file("run")
        let text = """
        [topology]
        run_dir = \(run)
        [process stubborn]
        executable = /bin/sh
        args = -c "trap '' TERM; while :; do sleep 0.05; done"
        """
        let (thread, _) = try startSupervisor(text, in: directory, grace: 0.5)
        let pid = try #require(poll { record("stubborn-0", readState(run)).flatMap { $0.state == .running ? $0.pid : nil } })
        usleep(100_000)  // let the shell install its trap
        let started = Date()
        let stopped = thread.stop()
        let elapsed = Date().timeIntervalSince(started)
        #expect(stopped.returned && stopped.error == nil)
        #expect(elapsed >= 0.45 && elapsed < 3, "stop took \(elapsed) s")
        #expect(!isAlive(pid))
        let final = try #require(record("stubborn-0", readState(run)))
        #expect(final.state == .stopped)
        #expect(final.lastExit == ExitStatus(signal: SIGKILL))
    }

    @Test func childrenDoNotInheritIgnoredSignalsAndGetTheirOwnProcessGroup() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let run = directory.file("run")
        let text = """
        [topology]
        run_dir = \(run)
        [process sleeper]
        executable = /bin/sleep
        args = 30
        env.MAILROOM_TEST_VALUE = {run_dir}
        """
        // As `mailroom topology supervise` runs it: a SupervisorService in a ServiceGroup that handles SIGTERM and
        // SIGINT (ServiceLifecycle ignores them for the process and watches them itself).
        let supervisor = try makeSupervisor(text, in: directory)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: SupervisorService(supervisor), successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: quietLogger))
        let running = Task { try await group.run() }
        // The group runs on the cooperative pool, which the suite's CPU-bound synchronous tests (training, evaluation)
        // can hold for minutes on a 2-core machine: wait long enough for the sleeper to start, however busy.
        let pid = try #require(await pollAsync(timeout: 600) { record("sleeper-0", readState(run)).flatMap { $0.state == .running ? $0.pid : nil } })
        let termAndIntBits: UInt64 = (1 << (UInt64(SIGTERM) - 1)) | (1 << (UInt64(SIGINT) - 1))
        // The supervisor process handles them (libdispatch replaces SIG_IGN with its own handler) and the
        // test runner's threads block them; the child must start with both at their defaults, unblocked.
        let own = signalMask("SigIgn", of: getpid()) | signalMask("SigCgt", of: getpid())
        #expect(own & termAndIntBits == termAndIntBits, "the supervisor should handle SIGTERM and SIGINT")
        for field in ["SigIgn", "SigCgt", "SigBlk"] {
            #expect(signalMask(field, of: pid) & termAndIntBits == 0, "child \(field) has SIGTERM/SIGINT")
        }
        #expect(getpgid(pid) == pid)
        let environment = (try? String(contentsOfFile: "/proc/\(pid)/environ", encoding: .utf8)) ?? ""
        #expect(environment.split(separator: "\0").contains("MAILROOM_TEST_VALUE=\(run)"))
        // The group's graceful shutdown (what SIGTERM triggers) stops the supervisor, which stops its children.
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(!isAlive(pid))
        #expect(record("sleeper-0", readState(run))?.state == .stopped)
    }

    @Test func missingExecutableFailsBeforeStartingAnything() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = """
        [topology]
        run_dir = \(directory.file("run"))
        [process ok]
        executable = /bin/sleep
        args = 30
        [process ghost]
        executable = no-such-stage
        """
        let (thread, _) = try startSupervisor(text, in: directory)
        let result = thread.wait(timeout: 5)
        #expect(result.returned)
        #expect(result.error?.contains("executable for ghost-0 not found: /bin/no-such-stage") == true, "\(result)")
        #expect(readState(directory.file("run")) == nil)
    }

    @Test func backoffDelays() {
        let backoff = Backoff.default
        #expect((1...9).map { backoff.delay(afterFailures: $0) } == [0.5, 1, 2, 4, 8, 16, 30, 30, 30])
        #expect(backoff.resetAfter == 60)
    }
}

/// A signal mask (`SigIgn`, `SigCgt`, `SigBlk`) of a process from /proc/PID/status (bit n-1 = signal n).
private func signalMask(_ field: String, of pid: Int32) -> UInt64 {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
    return UInt64(line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
}

/// Binds a Unix-domain socket at `path` (and closes it), leaving the socket file behind like a crashed stage.
private func makeUnixSocket(at path: String) throws {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
        for (index, byte) in path.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
    }
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    try #require(result == 0)
}
