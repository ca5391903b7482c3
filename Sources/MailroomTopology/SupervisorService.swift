// SupervisorService: the supervisor as a ServiceLifecycle Service, so `mailroom topology supervise` shuts down
// through its ServiceGroup (SIGTERM/SIGINT) like every other Mailroom process.
import Foundation
import ServiceLifecycle

/// Runs a ``Supervisor``'s blocking loop on a thread of its own; the group's graceful shutdown stops it.
public struct SupervisorService: Service {
    public let supervisor: Supervisor

    public init(_ supervisor: Supervisor) { self.supervisor = supervisor }

    /// Returns once every child has stopped (after graceful shutdown), or throws what ``Supervisor/run()`` threw.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let thread = Thread { [supervisor] in
                    continuation.resume(with: Result { try supervisor.run() })
                }
                thread.name = "mailroom.supervisor"
                thread.start()
            }
        } onGracefulShutdown: { [supervisor] in
            supervisor.logger.info("shutdown requested, stopping the topology")
            supervisor.stop()
        }
    }
}
