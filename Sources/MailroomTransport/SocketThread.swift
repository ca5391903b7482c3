// SocketThread: starts the dedicated Thread that owns one socket and reports its setup result.
import Foundation

/// Endpoints a helper binds and connects, in that order.
public struct Endpoints: Sendable, Equatable {
    public var bind: [String]
    public var connect: [String]
    public init(bind: [String] = [], connect: [String] = []) { self.bind = bind; self.connect = connect }
    /// Endpoints to bind.
    public static func bind(_ endpoints: String...) -> Endpoints { Endpoints(bind: endpoints) }
    /// Endpoints to connect.
    public static func connect(_ endpoints: String...) -> Endpoints { Endpoints(connect: endpoints) }
}

/// A one-shot signal several threads may wait for (the owning thread's exit).
final class Latch: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func open() { semaphore.signal() }
    /// Waits until ``open()``; passes the signal on so every waiter returns.
    func wait() {
        semaphore.wait()
        semaphore.signal()
    }
}

enum SocketThread {
    /// Runs `body` on a new Thread named `name`. `body` sets its socket up, calls `ready(nil)` (or
    /// `ready(error)` and returns), then loops. This function returns once `ready` was called and
    /// rethrows the setup error, so binding errors reach the caller of the helper's initializer.
    static func start(name: String,
                      _ body: @escaping @Sendable (_ ready: @escaping @Sendable ((any Error)?) -> Void) -> Void)
        throws {
        let setup = Locked<(any Error)??>(nil)
        let signal = DispatchSemaphore(value: 0)
        let thread = Thread {
            body { error in
                setup.withLock { $0 = .some(error) }
                signal.signal()
            }
        }
        thread.name = name
        thread.start()
        signal.wait()
        if let error = setup.withLock({ $0 }) ?? nil { throw error }
    }
}
