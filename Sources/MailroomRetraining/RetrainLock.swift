// RetrainLock: one retrain at a time per registry. The lock file holds the owner's pid and start time; a lock
// whose process is gone is taken over (a crashed run does not block the next month's).
import Foundation

final class RetrainLock {
    let path: String
    private var held = false

    /// Takes the lock or throws ``RetrainingError/alreadyRunning(pid:since:lock:)``.
    init(registry: String) throws {
        path = (registry as NSString).appendingPathComponent("retrain.lock")
        for _ in 0..<2 {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if fd >= 0 {
                let text = "\(getpid()) \(ISO8601DateFormatter().string(from: Date()))\n"
                _ = text.withCString { write(fd, $0, strlen($0)) }
                close(fd)
                held = true
                return
            }
            let words = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: " ")
            let pid = words.first.flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
            if pid > 0 && (kill(pid, 0) == 0 || errno == EPERM) {
                throw RetrainingError.alreadyRunning(pid: pid, since: words.count > 1 ? String(words[1]).trimmingCharacters(in: .whitespacesAndNewlines) : "?", lock: path)
            }
            unlink(path)  // its owner is gone
        }
        throw RetrainingError.alreadyRunning(pid: 0, since: "?", lock: path)
    }

    func release() {
        guard held else { return }
        held = false
        unlink(path)
    }

    deinit { release() }
}
