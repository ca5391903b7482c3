// APIKeyRing: the gateway's view of its API keys file, reloaded when the file changes (add a key, switch the
// client, revoke the old one: rotation without a restart), and the check of one request's key.
import Foundation
import Logging
import MailroomCore
import Synchronization

public final class APIKeyRing: Sendable {
    /// How a request's credentials stand.
    public enum Decision: Sendable, Equatable {
        case allowed(key: String)
        /// No key, or one the file does not hold: 401.
        case unauthenticated
        /// A valid key without the scope: 403.
        case forbidden(key: String)
    }

    private struct State {
        var entries: [APIKeyEntry] = []
        var stamp: FileStamp?
        var lastCheck = -Double.infinity
    }

    private struct FileStamp: Equatable {
        var inode: UInt64, size: Int64, modified: Double
    }

    public let path: String
    /// Seconds between checks of the file for changes.
    let checkIntervalSeconds: Double
    private let state = Mutex(State())
    private let logger: Logger

    /// Loads `path` now. A malformed file is an error at start (fix it before the gateway serves); a missing one
    /// means no key yet: every protected request gets 401 until `mailroom api-key new` writes one.
    public init(path: String, checkIntervalSeconds: Double = 1, logger: Logger = Logger(label: "mailroom.gateway.keys")) throws {
        self.path = path; self.checkIntervalSeconds = checkIntervalSeconds; self.logger = logger
        let entries = FileManager.default.fileExists(atPath: path) ? try APIKeys.load(path: path) : []
        let stamp = Self.stamp(path)
        state.withLock { $0.entries = entries; $0.stamp = stamp; $0.lastCheck = Self.now() }
        if entries.isEmpty {
            logger.warning("no API key yet: every protected request gets 401 until `mailroom api-key new --keys FILE` adds one",
                           metadata: ["file": "\(path)"])
        }
    }

    /// The names of the keys in force.
    public var names: [String] { refreshed().map(\.name) }

    /// Checks an `Authorization` header value (`Bearer KEY`) against the keys in force for `scope`.
    public func decide(authorization: String?, scope: APIScope) -> Decision {
        guard let authorization, authorization.count < 1024 else { return .unauthenticated }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .unauthenticated }
        let key = parts[1].trimmingCharacters(in: .whitespaces)
        guard let entry = APIKeys.match(key, in: refreshed()) else { return .unauthenticated }
        return entry.scopes.contains(scope) ? .allowed(key: entry.name) : .forbidden(key: entry.name)
    }

    /// The entries, re-read first when the file changed since the last look (at most once per interval). A file
    /// that no longer parses keeps the previous keys in force and is logged, so a typo cannot lock every client out.
    private func refreshed() -> [APIKeyEntry] {
        let t = Self.now()
        let due = state.withLock { s -> Bool in
            guard t - s.lastCheck >= checkIntervalSeconds else { return false }
            s.lastCheck = t
            return true
        }
        if due {
            let stamp = Self.stamp(path)
            if stamp != state.withLock({ $0.stamp }) {
                do {
                    let entries = stamp == nil ? [] : try APIKeys.load(path: path)
                    state.withLock { $0.entries = entries; $0.stamp = stamp }
                    logger.notice("API keys reloaded", metadata: ["file": "\(path)", "keys": "\(entries.count)"])
                } catch {
                    state.withLock { $0.stamp = stamp }
                    logger.error("API keys file not reloaded; the previous keys stay in force", metadata: ["error": "\(error)"])
                }
            }
        }
        return state.withLock { $0.entries }
    }

    private static func stamp(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(inode: UInt64(st.st_ino), size: Int64(st.st_size),
                         modified: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
