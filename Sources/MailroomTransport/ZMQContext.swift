// ZMQContext: the libzmq context (one per process), which owns the I/O threads and every socket.
import CZeroMQ
import Foundation

/// A libzmq context. Create one per process and share it between threads.
///
/// `@unchecked Sendable` because libzmq documents contexts as thread-safe: `zmq_socket`,
/// `zmq_ctx_shutdown` and `zmq_ctx_term` may be called from any thread. The only Swift state is
/// an immutable pointer and a lock-guarded flag.
///
/// Shutdown follows libzmq's rules: ``shutdown()`` makes every blocking call on every socket fail
/// with ``ZMQError/contextTerminated(operation:)``; each owning thread then closes its socket; then
/// ``terminate()`` (or deinit) returns. Every ``ZMQSocket`` keeps its context alive, so deinit never
/// runs while a socket is open.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let terminated = Locked(false)

    /// Creates a context with libzmq's default of one I/O thread.
    public init() throws {
        guard let h = zmq_ctx_new() else { throw ZMQError.last("ctx_new") }
        handle = h
    }

    /// Makes every blocking call on this context's sockets return ``ZMQError/contextTerminated(operation:)``.
    /// Returns at once; safe to call more than once and from any thread.
    public func shutdown() {
        _ = zmq_ctx_shutdown(handle)
    }

    /// Shuts the context down and waits until every socket has been closed.
    ///
    /// > Warning: blocks until all sockets of this context are closed; their `LINGER` bounds the wait.
    public func terminate() {
        let first = terminated.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    deinit { terminate() }
}
