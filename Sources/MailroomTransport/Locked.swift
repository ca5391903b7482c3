// Locked: a value guarded by an NSLock, for state shared between a socket thread and its callers.
import Foundation

/// A mutable value that any thread may read or change under a lock.
///
/// `@unchecked Sendable` is sound because every access to `value` goes through `withLock`.
/// (`Synchronization.Mutex` would do the same but needs macOS 15; the package supports macOS 14.)
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
