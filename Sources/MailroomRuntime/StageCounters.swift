// StageCounters: what one stage has done so far (handled, sent on, rejected at the input, lost at shutdown), for
// logs, tests and metrics; safe to read from any thread while the stage runs.
import Synchronization

public final class StageCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Envelopes handed to the handler.
        public var handled = 0
        /// Envelopes the handler produced and the runtime handed to an output.
        public var sent = 0
        /// Input messages that were not a valid envelope (logged without content and skipped).
        public var rejected = 0
        /// Outputs still unsent when shutdown gave up on a next stage that was not taking.
        public var lost = 0
        /// Outputs a `.handBack` output could not take at once, handed back to the handler to keep and offer again.
        public var handedBack = 0
        /// Emails the handler reported as failing on their own (sent to the gateway as dead letters).
        public var failed = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public var snapshot: Snapshot { state.withLock { $0 } }

    func update(_ body: (inout Snapshot) -> Void) { state.withLock { body(&$0) } }
}
