// Supervisor: runs every instance of a topology, restarts crashed ones with back-off, stops them all on request.
import Dispatch
import Foundation
import Logging
import Synchronization

/// Starts every instance of a ``Topology``, keeps them running and stops them.
///
/// ``run()`` blocks the calling thread: it spawns every instance (stdout and stderr appended to
/// `logDirectory/<id>.log`), checks them every ``pollInterval`` with `waitpid`, restarts exited ones according to
/// their ``RestartPolicy`` after a ``Backoff`` delay, and rewrites `<run_dir>/supervisor.state.json` atomically on
/// every change. On SIGTERM or SIGINT (when `handlesSignals`) or ``stop()``, it sends SIGTERM to every child's
/// process group, waits up to `gracePeriod` seconds, sends SIGKILL to what is left, removes the topology's ipc
/// socket files, writes the final `stopped` state and returns.
///
/// ```swift
/// let supervisor = Supervisor(topology: try Topology.load(path: "Topology/mailroom.topology"),
///                             binDirectory: ".build/release", logDirectory: ".mailroom/logs", logger: logger)
/// try supervisor.run()   // returns after SIGTERM / SIGINT
/// ```
/// > Warning: With `handlesSignals` (the default) ``run()`` sets SIGTERM and SIGINT to ignored for the whole
/// > process while it runs and handles them itself; pass `false` when embedding it (tests) and call ``stop()``.
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
    /// Whether ``run()`` handles SIGTERM/SIGINT itself.
    public let handlesSignals: Bool
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
    ///   - handlesSignals: stop on SIGTERM/SIGINT (default true; pass false inside tests).
    ///   - pollInterval: seconds between checks of the children (default 0.1).
    public init(topology: Topology, binDirectory: String, logDirectory: String, logger: Logger,
                backoff: Backoff = .default, gracePeriod: Double = 10, handlesSignals: Bool = true,
                pollInterval: Double = 0.1) {
        self.topology = topology
        self.binDirectory = binDirectory
        self.logDirectory = logDirectory
        self.logger = logger
        self.backoff = backoff
        self.gracePeriod = gracePeriod
        self.handlesSignals = handlesSignals
        self.pollInterval = pollInterval
    }

    /// Runs the topology until ``stop()`` or SIGTERM/SIGINT, then stops every child and returns.
    /// - Throws: ``SupervisorError`` when the topology is already up, an executable is missing or a directory
    ///   cannot be created (nothing was started then), or ``TopologyError`` when the topology does not expand.
    public func run() throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { throw SupervisorError.alreadyStarted }
        let loop = try SupervisionLoop(supervisor: self)
        var sources: [any DispatchSourceSignal] = []
        var previousHandlers: [(Int32, sighandler_t?)] = []
        if handlesSignals {
            for signalNumber in [SIGTERM, SIGINT] {
                previousHandlers.append((signalNumber, signal(signalNumber, SIG_IGN)))
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { [self] in
                    logger.info("signal received, stopping", metadata: ["signal": "\(signalNumber)"])
                    stop()
                }
                source.resume()
                sources.append(source)
            }
        }
        defer {
            for source in sources { source.cancel() }
            for (signalNumber, handler) in previousHandlers { signal(signalNumber, handler) }
        }
        try loop.run { stopRequested.load(ordering: .acquiring) }
    }

    /// Asks ``run()`` to stop every child and return; safe to call from any thread, any number of times.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
    }
}
