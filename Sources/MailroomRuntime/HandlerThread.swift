// HandlerThread: the one thread a stage's handler runs on, so a long batch (a model call) blocks neither Swift's
// cooperative pool nor the heartbeat and socket tasks, and the handler needs no locks.
import Dispatch

/// Owns a ``StageHandler`` and runs every call to it on one serial dispatch queue.
///
/// `@unchecked Sendable` is sound because `handler` is only touched inside `queue`'s work items, one at a time.
final class HandlerThread<Handler: StageHandler>: @unchecked Sendable {
    private let handler: Handler
    private let queue: DispatchQueue

    init(_ handler: Handler) {
        self.handler = handler
        queue = DispatchQueue(label: "mailroom.stage.\(handler.stage)", qos: .userInitiated)
    }

    /// Runs `body` with the handler on the handler thread and returns its result, plus the handler's readiness
    /// read right after (on the same thread).
    func run<T: Sendable>(_ body: @escaping @Sendable (Handler) throws -> T) async throws -> (T, StageReadiness) {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result {
                    let value = try body(self.handler)
                    return (value, self.handler.readiness)
                })
            }
        }
    }
}
