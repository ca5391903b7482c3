// Supervisor: runs every instance of a topology, restarts crashed ones with back-off, stops them all on request.
import Foundation
import Logging
import Synchronization

/// Starts every instance of a ``Topology``, keeps them running and stops them.
///
/// ``run()`` blocks the calling thread: it spawns every instance (stdout and stderr appended to
/// `logDirectory/<id>.log`), checks them every ``pollInterval`` with `waitpid`, restarts exited ones according to
/// their ``RestartPolicy`` after a ``Backoff`` delay, and rewrites `<run_dir>/supervisor.state.json` atomically on
/// every change. On ``stop()`` it sends SIGTERM to every child's process group, waits up to `gracePeriod`
/// seconds, sends SIGKILL to what is left, removes the topology's ipc socket files, writes the final `stopped`
/// state and returns. It installs no signal handling: `mailroom topology supervise` runs it as a
/// ``SupervisorService`` in the process's ServiceGroup, whose graceful shutdown (SIGTERM/SIGINT) calls ``stop()``.
///
/// ```swift
/// let supervisor = Supervisor(topology: try Topology.load(path: "Topology/mailroom.topology"),
///                             binDirectory: ".build/release", logDirectory: ".mailroom/logs", logger: logger)
/// try await ServiceGroup(services: [SupervisorService(supervisor)], gracefulShutdownSignals: [.sigterm],
///                        logger: logger).run()
/// ```
public final class Supervisor: Sendable {
    /// The topology being run.
    public let topology: Topology
    /// Where bare executable names are looked up.
    public let binDirectory: String
    /// Where `<id>.log` files go.
    public let logDirectory: String
    /// Restart delays.
    public let backoff: Backoff
    /// Seconds between SIGTERM and SIGKILL when stopping.
    public let gracePeriod: Double
    /// How often children are checked, in seconds.
    public let pollInterval: Double
    let logger: Logger
    private let stopRequested = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    /// Creates a supervisor; nothing starts until ``run()``.
    /// - Parameters:
    ///   - topology: the topology to run.
    ///   - binDirectory: the directory holding the executables named without a `/` (e.g. `.build/release`).
    ///   - logDirectory: where each instance's `<id>.log` is appended (created if missing).
    ///   - logger: the supervisor's own log (instances log to their files).
    ///   - backoff: restart delays (default 0.5 s doubling to 30 s, reset after 60 s healthy).
    ///   - gracePeriod: seconds to wait after SIGTERM before SIGKILL (default 10).
    ///   - pollInterval: seconds between checks of the children (default 0.1).
    public init(topology: Topology, binDirectory: String, logDirectory: String, logger: Logger,
                backoff: Backoff = .default, gracePeriod: Double = 10, pollInterval: Double = 0.1) {
        self.topology = topology
        self.binDirectory = binDirectory
        self.logDirectory = logDirectory
        self.logger = logger
        self.backoff = backoff
        self.gracePeriod = gracePeriod
        self.pollInterval = pollInterval
    }

    /// Runs the topology on the calling thread until ``stop()``, then stops every child and returns.
    /// - Throws: ``SupervisorError`` when the topology is already up, an executable is missing or a directory
    ///   cannot be created (nothing was started then), or ``TopologyError`` when the topology does not expand.
    public func run() throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { throw SupervisorError.alreadyStarted }
        let loop = try SupervisionLoop(supervisor: self)
        try loop.run { stopRequested.load(ordering: .acquiring) }
    }

    /// Asks ``run()`` to stop every child and return; safe to call from any thread, any number of times.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
    }
}
