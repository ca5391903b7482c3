// SupervisorError: what can go wrong starting, supervising or controlling a topology, with hints.

/// An error from ``Supervisor`` or ``TopologyControl``.
public enum SupervisorError: Error, Equatable, CustomStringConvertible {
    /// Another supervisor (pid) is running this topology's run directory.
    case alreadyRunning(pid: Int32, stateFile: String)
    /// An instance's executable does not exist or is not executable.
    case executableNotFound(instance: String, path: String)
    /// `posix_spawn` failed.
    case spawnFailed(path: String, reason: String)
    /// A directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// The supervisor process exited during `up`; `logTail` holds the end of its log.
    case supervisorExited(status: String, log: String, logTail: String)
    /// Not every instance was running after the wait; `status` is the last status table.
    case notReady(seconds: Double, status: String, log: String)
    /// During `up`, instances exited again and again (or failed for good); `logTails` holds their last log lines.
    /// The supervisor is left running (it keeps retrying with back-off); `down` stops it.
    case instancesFailing(instances: [String], status: String, logTails: String)
    /// The supervisor did not exit within the timeout after SIGTERM.
    case stopTimedOut(pid: Int32, seconds: Double)
    /// The state file could not be read or written.
    case stateFile(path: String, reason: String)
    /// ``Supervisor/run()`` was called twice on one supervisor.
    case alreadyStarted

    public var message: String {
        switch self {
        case .alreadyRunning(let pid, let file): "the topology is already up (supervisor pid \(pid), state in \(file))"
        case .executableNotFound(let instance, let path): "executable for \(instance) not found: \(path)"
        case .spawnFailed(let path, let reason): "cannot start \(path): \(reason)"
        case .cannotCreateDirectory(let path, let reason): "cannot create directory \(path): \(reason)"
        case .supervisorExited(let status, let log, let tail):
            "the supervisor exited (\(status)) before the topology was up; end of \(log):\n\(tail)"
        case .notReady(let seconds, let status, _): "not every instance was running after \(seconds) s:\n\(status)"
        case .instancesFailing(let instances, let status, let tails):
            "\(instances.joined(separator: ", ")) \(instances.count == 1 ? "keeps" : "keep") exiting:\n\(status)\n\(tails)"
        case .stopTimedOut(let pid, let seconds): "supervisor pid \(pid) still running \(seconds) s after SIGTERM"
        case .stateFile(let path, let reason): "state file \(path): \(reason)"
        case .alreadyStarted: "this Supervisor is already running"
        }
    }

    public var hint: String {
        switch self {
        case .alreadyRunning: "run `mailroom topology down FILE` first, or `status` to see it"
        case .executableNotFound:
            "build the executables (`swift build`) and pass their directory as the bin directory, or fix `executable`"
        case .spawnFailed: "check the executable's permissions and the log directory"
        case .cannotCreateDirectory: "check run_dir in the topology file and the permissions of its parent"
        case .supervisorExited: "fix the error above; the full log is in the run directory"
        case .notReady(_, _, let log): "see each instance's log in the log directory and \(log); `down` stops it"
        case .instancesFailing:
            "fix the cause in the log lines above (full logs in <run_dir>/logs); the supervisor keeps retrying "
                + "with back-off until `mailroom topology down FILE`"
        case .stopTimedOut(let pid, _): "it may still be stopping children; wait, or `kill -9 \(pid)` as a last resort"
        case .stateFile: "delete the file if no supervisor is running"
        case .alreadyStarted: "create one Supervisor per run; this is a bug in the caller"
        }
    }

    public var description: String { "error: \(message)\n  hint: \(hint)" }
}
