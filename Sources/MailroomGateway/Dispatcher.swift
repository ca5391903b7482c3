// Dispatcher: the gateway's view of the pipeline: sends emails in, matches results coming back to waiting
// requests, re-sends what got lost (ids are idempotency keys), tracks stage heartbeats for /readyz.
import Foundation
import MailroomCore
import MailroomTransport

/// Where the dispatcher sends work. The real one wraps ZeroMQ senders (``ZMQPipelinePort``).
/// A port throws ``GatewayError/pipelineFull(capacity:)`` when its queue is full (the client gets 429 and
/// `Retry-After`); any other error is a transport failure (503).
public protocol PipelinePort: Sendable {
    func sendEmail(_ email: Email, traceID: String) throws
    func sendOutcome(_ outcome: Outcome) throws
}

/// Limits and timing of the dispatcher.
public struct DispatcherLimits: Sendable {
    /// Most emails in one `POST /v1/classify` or `POST /v1/emails`.
    public var maxBatch = 64
    /// Most emails submitted and not yet answered; beyond it requests get 429.
    public var maxInFlight = 10_000
    /// How long `POST /v1/classify` waits for results.
    public var syncTimeoutSeconds = 30.0
    /// Re-send an email with no result after this long (a stage may have crashed holding it).
    public var resendAfterSeconds = 5.0
    /// Give up re-sending after this many sends.
    public var maxAttempts = 4
    /// Results kept for `GET /v1/emails/{id}`.
    public var resultCacheSize = 100_000
    /// A stage replica counts as up when its last heartbeat is at most this old (the transport's heartbeat
    /// interval × liveness, shared by every stage).
    public var livenessSeconds = Double(TransportDefaults.heartbeatTimeoutMs) / 1000
    /// Stages that must be up for /readyz.
    public var requiredStages = ["cleaner", "classifier", "router", "feedback-collector"]
    public init() {}
}

/// Tracks every email between submission and result.
public actor Dispatcher {
    private struct Pending {
        var email: Email
        var traceID: String
        var submittedAt: Double
        var lastSentAt: Double
        var attempts: Int
        var waiters: [(deadline: Double, continuation: CheckedContinuation<Assignment, any Error>)]
    }

    private let port: any PipelinePort
    public let limits: DispatcherLimits
    public let metrics: GatewayMetrics
    private var pending: [String: Pending] = [:]
    private var results: [String: Assignment] = [:]
    private var resultOrder: [String] = []
    private var resultOrderHead = 0
    private var heartbeats: [String: (beat: HeartbeatInfo, at: Double)] = [:]
    private var sweeper: Task<Void, Never>?

    public init(port: any PipelinePort, limits: DispatcherLimits = .init(), metrics: GatewayMetrics = .init()) {
        self.port = port; self.limits = limits; self.metrics = metrics
    }

    /// Starts the periodic sweep that re-sends lost emails and times out waiters.
    public func start() {
        guard sweeper == nil else { return }
        sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                await self?.sweep()
            }
        }
    }

    public func stop() {
        sweeper?.cancel(); sweeper = nil
        for (_, p) in pending { for w in p.waiters { w.continuation.resume(throwing: CancellationError()) } }
        pending.removeAll()
    }

    // MARK: requests

    /// Sends `emails` and waits for all their results (or the sync timeout).
    public func classify(_ emails: [Email]) async throws -> [Assignment] {
        try validate(emails)
        try admit(emails)
        let deadline = now() + limits.syncTimeoutSeconds
        var out: [Assignment] = []
        var timedOut: [String] = []
        for email in emails {
            if let r = results[email.id] { out.append(r); continue }
            do {
                out.append(try await withCheckedThrowingContinuation { c in
                    if let r = results[email.id] { c.resume(returning: r) } else {
                        pending[email.id]?.waiters.append((deadline, c))
                    }
                })
            } catch is TimeoutMarker {
                timedOut.append(email.id)
            }
        }
        if !timedOut.isEmpty { throw GatewayError.timeout(ids: timedOut, seconds: limits.syncTimeoutSeconds) }
        return out
    }

    /// Sends `emails` and returns at once; results arrive on the router's PUB socket and at `GET /v1/emails/{id}`.
    public func submit(_ emails: [Email]) throws -> [String] {
        try validate(emails)
        try admit(emails)
        return emails.map(\.id)
    }

    /// The result of one email, `nil` while pending; throws `notFound` for unknown ids.
    public func status(of id: String) throws -> Assignment? {
        if let r = results[id] { return r }
        if pending[id] != nil { return nil }
        throw GatewayError.notFound(id)
    }

    public func feedback(_ outcome: Outcome) throws {
        guard !outcome.id.isEmpty else { throw GatewayError.validation("feedback needs the email's id") }
        guard !outcome.labels.isEmpty else { throw GatewayError.validation("feedback needs at least one true label in labels") }
        do { try port.sendOutcome(outcome) } catch { throw Self.sendFailure(error) }
        metrics.count("mailroom_gateway_feedback_total")
    }

    // MARK: pipeline events

    /// A routed result came back from the router.
    public func deliver(_ assignment: Assignment) {
        let t = now()
        if let p = pending.removeValue(forKey: assignment.id) {
            metrics.observeLatency(t - p.submittedAt)
            for w in p.waiters { w.continuation.resume(returning: assignment) }
        }
        if results[assignment.id] == nil {
            resultOrder.append(assignment.id)
            if resultOrder.count - resultOrderHead > limits.resultCacheSize {
                results[resultOrder[resultOrderHead]] = nil
                resultOrderHead += 1
                if resultOrderHead > 4096 { resultOrder.removeFirst(resultOrderHead); resultOrderHead = 0 }
            }
        }
        results[assignment.id] = assignment
        metrics.count("mailroom_gateway_results_total")
    }

    public func heartbeat(_ beat: HeartbeatInfo) {
        heartbeats["\(beat.stage)#\(beat.replica)"] = (beat, now())
    }

    /// Every required stage has a live replica, and a live classifier has loaded and warmed its model.
    public func readiness() -> ReadinessResponse {
        let t = now()
        let live = heartbeats.values.filter { t - $0.at <= limits.livenessSeconds }
        var missing: [String] = []
        for stage in limits.requiredStages where !live.contains(where: { $0.beat.stage == stage }) {
            missing.append(stage)
        }
        let classifiers = live.filter { $0.beat.stage == "classifier" }
        if !classifiers.isEmpty && !classifiers.contains(where: { $0.beat.ready }) {
            missing.append("classifier model (loading)")
        }
        let stages = heartbeats.values.sorted { ($0.beat.stage, $0.beat.replica) < ($1.beat.stage, $1.beat.replica) }
            .map { StageStatus(stage: $0.beat.stage, replica: $0.beat.replica, ready: $0.beat.ready,
                               modelVersion: $0.beat.modelVersion, secondsSinceHeartbeat: ((t - $0.at) * 10).rounded() / 10) }
        return ReadinessResponse(ready: missing.isEmpty, stages: stages, missing: missing)
    }

    public var inFlight: Int { pending.count }

    // MARK: internals

    private func validate(_ emails: [Email]) throws {
        guard !emails.isEmpty else { throw GatewayError.validation("emails is empty: send at least one email") }
        guard emails.count <= limits.maxBatch else {
            throw GatewayError.batchTooLarge(count: emails.count, limit: limits.maxBatch)
        }
        var seen = Set<String>()
        for (i, e) in emails.enumerated() {
            guard !e.id.isEmpty, e.id.utf8.count <= 256 else {
                throw GatewayError.validation("emails[\(i)].id must be a non-empty string of at most 256 bytes")
            }
            guard seen.insert(e.id).inserted else {
                throw GatewayError.validation("emails[\(i)].id \(e.id) appears twice in this batch")
            }
            let text = (e.body ?? "").utf8.count + (e.bodyHTML ?? "").utf8.count
            guard text + e.subject.utf8.count > 0 else {
                throw GatewayError.validation("emails[\(i)] (id \(e.id)) has no subject, body or body_html")
            }
            guard text <= 1_048_576 else {
                throw GatewayError.validation("emails[\(i)] (id \(e.id)) body is \(text) bytes; the limit is 1 MiB")
            }
        }
    }

    /// Sends every email that has neither a result nor a send in progress.
    private func admit(_ emails: [Email]) throws {
        let fresh = emails.filter { results[$0.id] == nil && pending[$0.id] == nil }
        guard pending.count + fresh.count <= limits.maxInFlight else {
            metrics.count("mailroom_gateway_rejected_total")
            throw GatewayError.overloaded(inFlight: pending.count, limit: limits.maxInFlight)
        }
        let t = now()
        for email in fresh {
            let trace = UUID().uuidString.lowercased()
            do { try port.sendEmail(email, traceID: trace) } catch {
                if case GatewayError.pipelineFull = error { metrics.count("mailroom_gateway_rejected_total") }
                throw Self.sendFailure(error)
            }
            pending[email.id] = Pending(email: email, traceID: trace, submittedAt: t, lastSentAt: t, attempts: 1, waiters: [])
            metrics.count("mailroom_gateway_emails_submitted_total")
        }
    }

    private func sweep() {
        let t = now()
        for (id, var p) in pending {
            let expired = p.waiters.filter { $0.deadline <= t }
            if !expired.isEmpty {
                for w in expired { w.continuation.resume(throwing: TimeoutMarker()) }
                p.waiters.removeAll { $0.deadline <= t }
            }
            if t - p.lastSentAt >= limits.resendAfterSeconds && p.attempts < limits.maxAttempts {
                if (try? port.sendEmail(p.email, traceID: p.traceID)) != nil {
                    p.attempts += 1; p.lastSentAt = t
                    metrics.count("mailroom_gateway_resent_total")
                }
            }
            pending[id] = p
        }
    }

    private func now() -> Double { Date().timeIntervalSince1970 }

    /// A port's error as the client sees it: a full queue stays 429, anything else is the pipeline unavailable.
    private static func sendFailure(_ error: any Error) -> GatewayError {
        (error as? GatewayError) ?? .transport(String(describing: error))
    }
}

/// What the gateway keeps of a stage's heartbeat.
public struct HeartbeatInfo: Sendable {
    public var stage: String
    public var replica: Int
    public var ready: Bool
    public var modelVersion: String?
    public init(stage: String, replica: Int, ready: Bool, modelVersion: String?) {
        self.stage = stage; self.replica = replica; self.ready = ready; self.modelVersion = modelVersion
    }
}

struct TimeoutMarker: Error {}
