// QualityMetricsSource: reads the feedback store through its own connection (query-only; WAL lets it read while the
// stage's writer thread commits, and never holds the writer up) and caches the rendered /metrics for a few seconds,
// so a busy scraper costs one bounded read per interval.
import Foundation
import Logging
import MailroomCore
import MailroomRuntime
import MailroomStore

/// The `--metrics-port` listener's configuration, parsed once in `main`.
public struct QualityMetricsConfig: Sendable {
    /// The collector's flags for it (`--metrics-port` and `--metrics-host` are every stage's).
    public static let flags = ["registry", "quality-window"]

    /// The HTTP port; 0 runs no listener.
    public var port = 0
    public var host = "127.0.0.1"
    /// The feedback store the stage writes.
    public var database: String
    /// The model registry (validation profiles, retrain status); nil: no drift or retrain series.
    public var registry: String?
    /// Most recent predictions and closed cases per version the figures cover.
    public var window = 500
    /// How long a computed snapshot is served again, in seconds.
    public var cacheSeconds = 5.0

    public init(database: String) { self.database = database }

    /// Reads `--database`, `--metrics-port`, `--metrics-host`, `--registry` and `--quality-window` (and their
    /// MAILROOM_* twins).
    public init(options: StageOptions) throws {
        database = try options.required("database")
        let listener = try StageMetricsServer.Config(options: options)
        port = listener.port
        host = listener.host
        registry = options.string("registry")
        window = try options.int("quality-window", default: window)
        guard window >= 1 else {
            throw OptionsError.invalid(flag: "quality-window", value: "\(window)", expected: "1 or more cases")
        }
    }
}

public actor QualityMetricsSource {
    private let config: QualityMetricsConfig
    private let logger: Logger
    private var store: FeedbackStore?
    private var cached: (text: String, at: Date)?
    /// Problems already logged (a missing profile or store is logged once, not once per scrape).
    private var reported = Set<String>()

    public init(config: QualityMetricsConfig, logger: Logger) { self.config = config; self.logger = logger }

    /// The /metrics body: the cached one while it is younger than ``QualityMetricsConfig/cacheSeconds``.
    public func metrics(now: Date = Date()) -> String {
        if let cached, now.timeIntervalSince(cached.at) < config.cacheSeconds { return cached.text }
        let text = compute()
        cached = (text, now)
        return text
    }

    private func compute() -> String {
        do {
            let snapshot = try QualitySnapshot.read(store: try openStore(), profiles: try ValidationProfiles(registry: config.registry),
                                                    registry: config.registry, window: config.window) { report($0) }
            return snapshot.rendered()
        } catch {
            report("quality metrics: cannot read the feedback store: \(error)")
            store = nil  // reopened on the next scrape
            var retrain: RetrainStatus?
            if let registry = config.registry { retrain = try? RetrainStatus.read(registry: registry) }
            return QualitySnapshot(window: config.window, summaries: [], profiles: [:], retrain: retrain, storeReadable: false).rendered()
        }
    }

    /// The read connection, opened on first use: never creates the store (the stage does, in its `prepare`).
    private func openStore() throws -> FeedbackStore {
        if let store { return store }
        guard StoreLocation(config.database).mayExist else {
            throw StoreError.open(path: config.database, code: 0, message: "no store yet; the feedback stage creates it when it starts")
        }
        let opened = try FeedbackStore(path: config.database)
        try opened.database.execute(opened.sqlite != nil ? "PRAGMA query_only = ON" : "SET default_transaction_read_only = on",
                                    operation: "make the metrics connection read-only")
        store = opened
        return opened
    }

    private func report(_ problem: String) {
        if reported.insert(problem).inserted { logger.warning("\(problem)") }
    }
}
