// RetrainStatus: `REGISTRY/retrain-status.json`, what the last `mailroom retrain` did. The retrain writes it (atomically)
// when it starts and when it ends; the feedback-collector's /metrics reads it, so a failed scheduled run is visible
// on a dashboard, not only in the journal. It never holds email text: only times, the outcome, the candidate
// version and the error message.
import Foundation

public struct RetrainStatus: Codable, Sendable, Equatable {
    /// The file's name inside the registry directory.
    public static let fileName = "retrain-status.json"

    public enum Outcome: String, Codable, Sendable {
        case running, ok, failed
    }

    /// When the last run started and finished (Unix seconds); `finishedAt` is nil while it runs.
    public var startedAt: Double?
    public var finishedAt: Double?
    /// When a run last finished `ok` (Unix seconds).
    public var lastSuccessAt: Double?
    public var outcome: Outcome?
    /// Why the last run failed (the error's description), nil unless `outcome == .failed`.
    public var error: String?
    /// The last run's candidate version.
    public var candidate: String?
    /// Runs started and runs failed, over the registry's life.
    public var runs = 0
    public var failures = 0

    public init() {}

    /// The status file of `registry`.
    public static func path(registry: String) -> String { (registry as NSString).appendingPathComponent(fileName) }

    /// The registry's status; an empty status when there is none yet.
    /// - Throws: ``RetrainStatusError`` when the file exists but cannot be read or decoded.
    public static func read(registry: String) throws -> RetrainStatus {
        let path = path(registry: registry)
        guard FileManager.default.fileExists(atPath: path) else { return RetrainStatus() }
        do { return try JSONDecoder().decode(RetrainStatus.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw RetrainStatusError.unreadable(path: path, reason: "\(error)")
        }
    }

    /// Writes the status atomically (a reader never sees half of it).
    public func write(registry: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = Self.path(registry: registry)
        if let reason = PrivateFiles.writeAtomically(String(decoding: try encoder.encode(self), as: UTF8.self) + "\n",
                                                     to: path, mode: 0o644) {
            throw RetrainStatusError.unwritable(path: path, reason: reason)
        }
    }

    /// This status with a run of `candidate` started at `now`.
    public func started(candidate: String, at now: Date = Date()) -> RetrainStatus {
        var s = self
        s.startedAt = now.timeIntervalSince1970; s.finishedAt = nil
        s.outcome = .running; s.error = nil; s.candidate = candidate
        s.runs += 1
        return s
    }

    /// This status with the running run finished at `now`: `ok` when `error` is nil, else `failed` with its message.
    public func finished(error: String?, at now: Date = Date()) -> RetrainStatus {
        var s = self
        s.finishedAt = now.timeIntervalSince1970
        s.outcome = error == nil ? .ok : .failed
        s.error = error
        if error == nil { s.lastSuccessAt = s.finishedAt } else { s.failures += 1 }
        return s
    }

    enum CodingKeys: String, CodingKey {
        case outcome, error, candidate, runs, failures
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case lastSuccessAt = "last_success_at"
    }
}

/// Errors reading or writing the retrain status.
public enum RetrainStatusError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): "cannot read the retrain status \(p) (\(r)); remove it, the next `mailroom retrain` writes a new one"
        case .unwritable(let p, let r): "cannot write the retrain status \(p): \(r); check that the registry directory is writable"
        }
    }
}
