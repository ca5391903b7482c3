// TestSupport: unique endpoints, sample payloads, a log capture and timeouts for the transport tests.
import Foundation
import Logging
import MailroomCore
@testable import MailroomTransport

/// A fresh temp folder per test, for ipc:// endpoints no other test uses; removed when released.
final class TestEndpoints: Sendable {
    let directory: String

    init() {
        directory = "/tmp/mrt-" + UUID().uuidString.prefix(8).lowercased()
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// `ipc://<dir>/<name>`.
    func ipc(_ name: String) -> String { "ipc://\(directory)/\(name)" }
}

/// The email body every sample uses; no log line or error may contain it.
let secretBody = "Please transfer 1.5M CHF from account CH93 0076 2011 6238 5295 7 today"

/// One sample of every payload type.
func samplePayloads(id: String = "mail-1") -> [Payload] {
    let cleaned = CleanedEmail(id: id, subject: "Transfer", text: secretBody, language: "en",
                               custodianBank: "UBS", removed: [RemovedPart(kind: "signature", length: 42)])
    let prediction = Prediction(id: id, modelVersion: "m-1",
                                heads: ["intent": HeadPrediction(label: "payment", confidence: 0.93),
                                        "urgency": HeadPrediction(label: "high", confidence: 0.61,
                                                                  logits: [0.5, -1.25])],
                                tokenCount: 17, truncated: false)
    let assignment = Assignment(id: id, assignedQueue: "payments", needsReview: true,
                                lowConfidenceHeads: ["urgency"], prediction: prediction)
    return [
        .email(Email(id: id, subject: "Transfer", body: secretBody, bodyHTML: "<p>hi</p>", custodianBank: "UBS",
                     receivedAt: "2026-11-29T10:00:00Z", language: "en")),
        .cleaned(cleaned),
        .classified(Classified(email: cleaned, prediction: prediction)),
        .routed(Routed(email: cleaned, assignment: assignment)),
        .outcome(Outcome(id: id, labels: ["intent": "payment"], resolution: "done", closedAt: "2026-11-30")),
        .heartbeat(Heartbeat(stage: "cleaner", replica: 2, pid: 4242, ready: true, modelVersion: nil,
                             detail: "idle")),
        .ack(Ack(ids: [id, "other"])),
        .failure(StageFailure(id: id, stage: "classifier", replica: 0, reason: "the model failed")),
    ]
}

/// A log handler that keeps every message and its metadata, for checks on what was logged.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    var all: [String] { lock.withLock { lines } }

    func append(_ line: String) { lock.withLock { lines.append(line) } }

    /// A logger writing into this capture.
    func logger() -> Logger {
        Logger(label: "test") { _ in CaptureHandler(sink: self) }
    }

    struct CaptureHandler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let meta = (event.metadata ?? [:]).merging(metadata) { a, _ in a }
            sink.append("\(event.level) \(event.message) \(meta.map { "\($0)=\($1)" }.sorted())")
        }
    }
}

struct TimedOut: Error {}

/// Runs `body`, failing with ``TimedOut`` after `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// How long a transport test waits before calling a stream or send hung. Only a hang guard, not a speed check: in
/// the full parallel test run on two cores, CPU-bound suites (training, inference) can hold the cooperative threads
/// for tens of seconds, and 3,000 envelopes that take 0.3 s alone have taken over 60 s there.
let hangGuardSeconds = 120.0

/// Takes the next `count` envelopes from `receiver`, failing after `seconds`.
func take(_ count: Int, from receiver: EnvelopeReceiver, seconds: Double = hangGuardSeconds) async throws -> [Envelope] {
    let stream = receiver.envelopes
    return try await withTimeout(seconds: seconds) {
        var out: [Envelope] = []
        for await e in stream {
            out.append(e)
            if out.count == count { break }
        }
        return out
    }
}

/// Runs a blocking call on a plain Thread and reports whether it finished within `seconds`.
func finishes(within seconds: Double, _ body: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread {
        body()
        done.signal()
    }.start()
    return done.wait(timeout: .now() + seconds) == .success
}
