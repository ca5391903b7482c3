// TestSupport: temporary directories, a supervisor running on its own thread, and polling helpers.
import Foundation
import Logging
import MailroomTopology
import Testing

/// A fresh directory under /tmp (short, so ipc socket paths stay under the 107-byte limit), removed on `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = "/tmp/mrtopo-" + UUID().uuidString.prefix(8).lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    func write(_ text: String, to name: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs a supervisor's blocking `run()` on a dedicated thread (not the test's cooperative pool).
final class SupervisorThread: Sendable {
    let supervisor: Supervisor
    private let done = DispatchSemaphore(value: 0)
    private let failure = LockedBox<String?>(nil)

    init(_ supervisor: Supervisor) {
        self.supervisor = supervisor
        let thread = Thread { [supervisor, done, failure] in
            do { try supervisor.run() } catch { failure.set("\(error)") }
            done.signal()
        }
        thread.start()
    }

    /// Calls `stop()` and waits for `run()` to return; the error text if it threw.
    func stop(timeout: Double = 10) -> (returned: Bool, error: String?) {
        supervisor.stop()
        return wait(timeout: timeout)
    }

    func wait(timeout: Double) -> (returned: Bool, error: String?) {
        let returned = done.wait(timeout: .now() + timeout) == .success
        return (returned, failure.get())
    }
}

/// A tiny lock-protected value for the tests.
final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value  // guarded by lock
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ new: Value) { lock.withLock { value = new } }
}

/// A logger that discards everything (tests read the state file instead).
let quietLogger: Logger = {
    var logger = Logger(label: "test.supervisor", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    return logger
}()

/// Polls `condition` every 20 ms until it returns a value or `timeout` seconds pass.
func poll<T>(timeout: Double = 5, _ condition: () throws -> T?) rethrows -> T? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let value = try condition() { return value }
        usleep(20_000)
    }
    return try condition()
}

/// ``poll(timeout:_:)`` for async tests: sleeps between checks instead of blocking a cooperative thread (which the
/// code under test may need).
func pollAsync<T>(timeout: Double = 5, _ condition: () throws -> T?) async rethrows -> T? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let value = try condition() { return value }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return try condition()
}

/// Reads the supervisor state file of `runDirectory` (nil if missing or mid-write).
func readState(_ runDirectory: String) -> SupervisorState? {
    try? SupervisorState.read(runDirectory: runDirectory)
}

/// Whether a pid is alive and not a zombie.
func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    return stat[stat.index(after: close)...].dropFirst().first != "Z"
}
