// Dispatcher: the gateway's view of the pipeline: journals every accepted email and outcome before answering, sends
// emails in, matches results coming back to waiting requests, re-sends what got lost (ids are idempotency keys),
// gives up after the retry cap (the dead letter), replays the journal on start, tracks stage heartbeats for /readyz.
import Foundation
import MailroomCore
import MailroomStore
import MailroomTransport

/// Where the dispatcher sends work. The real one wraps ZeroMQ senders (``ZMQPipelinePort``).
/// A port throws ``GatewayError/pipelineFull(capacity:)`` when its queue is full (the client gets 429 and
/// `Retry-After`); any other error is a transport failure (503).
public protocol PipelinePort: Sendable {
    func sendEmail(_ email: Email, traceID: String) throws
    /// Sends one attempt of `email` (attempt > 1 is a re-send: stages handle it in a batch of its own).
    func sendEmail(_ email: Email, traceID: String, attempt: Int) throws
    func sendOutcome(_ outcome: Outcome) throws
    /// Emails handed to the port that the pipeline has not taken yet: while above 0 the pipeline is known to be
    /// backed up, and re-sends wait instead of adding to the queue.
    var emailBacklog: Int { get }
}

extension PipelinePort {
    public func sendEmail(_ email: Email, traceID: String, attempt: Int) throws { try sendEmail(email, traceID: traceID) }
    public var emailBacklog: Int { 0 }
}

/// Limits and timing of the dispatcher.
public struct DispatcherLimits: Sendable {
    /// Most emails in one `POST /v1/classify` or `POST /v1/emails`.
    public var maxBatch = 64
    /// Most emails submitted and not yet answered; beyond it requests get 429.
    public var maxInFlight = 10_000
    /// How long `POST /v1/classify` waits for results.
    public var syncTimeoutSeconds = 30.0
    /// The first attempt's deadline: an email with no result after this long is sent again (a stage may have
    /// crashed holding it). Each further attempt waits twice as long as the one before (exponential back-off), at
    /// most ``maxResendAfterSeconds``; no deadline runs out while the pipeline is known to be backed up.
    public var resendAfterSeconds = 5.0
    public var maxResendAfterSeconds = 60.0
    /// Give up after this many sends without a result: the email is `failed` (a dead letter).
    public var maxAttempts = 4
    /// An outcome handed to the feedback-collector and not acknowledged within this long is sent again
    /// (only with receipts; without them an outcome counts as delivered once libzmq took it).
    public var outcomeReceiptSeconds = 10.0
    /// Results kept for `GET /v1/emails/{id}`.
    public var resultCacheSize = 100_000
    /// A stage replica counts as up when its last heartbeat is at most this old (the transport's heartbeat
    /// interval × liveness, shared by every stage).
    public var livenessSeconds = Double(TransportDefaults.heartbeatTimeoutMs) / 1000
    /// Stages that must be up for /readyz.
    public var requiredStages = ["cleaner", "classifier", "router", "feedback-collector"]
    public init() {}
}

/// Where one email stands, as `GET /v1/emails/{id}` reports it.
public enum EmailStatus: Sendable, Equatable {
    case pending
    case done(Assignment)
    /// Given up after the retry cap; submitting the same email again starts it over.
    case failed(reason: String)
}

/// Tracks every email between submission and result.
///
/// With a journal (``IntakeJournal``, the gateway's default), an email is on disk before its request is answered,
/// a repeated id is checked against the content it was accepted with (409 on a mismatch), a restarted gateway
/// sends every unfinished email again and answers `GET` for anything it ever accepted, and an outcome is kept
/// until it has been handed to the feedback-collector. Without one (tests), the same bookkeeping lives in memory.
public actor Dispatcher {
    private struct Pending {
        var email: Email
        var traceID: String
        var submittedAt: Double
        /// When the current attempt counts as lost (0: send as soon as possible).
        var deadline: Double
        var attempts: Int
        var waiters: [(deadline: Double, continuation: CheckedContinuation<Assignment, any Error>)]
    }

    private let port: any PipelinePort
    public nonisolated let limits: DispatcherLimits
    public nonisolated let metrics: GatewayMetrics
    private var pending: [String: Pending] = [:]
    private var results: [String: Assignment] = [:]
    private var resultOrder: [String] = []
    private var resultOrderHead = 0
    private var heartbeats: [String: (beat: HeartbeatInfo, at: Double)] = [:]
    /// The heads and labels of the last classifier heard (feedback is checked against them).
    private var lastHeads: [HeadSpec]?
    private var sweeper: Task<Void, Never>?
    /// Dead letters kept in memory when there is no journal.
    private var failures: [String: String] = [:]
    private let journal: IntakeJournal?
    /// The other gateway replicas' journals (read-only), when the topology runs more than one.
    private let siblings: SiblingJournals?
    private var sweeps = 0
    /// Results answered from memory but not yet in the journal: written together on the next sweep (one fsync
    /// for many). A result lost in a crash before that only means the email is sent once more after the restart.
    private var unjournaledResults: [Assignment] = []
    /// Whether the feedback-collector's receipts reach this gateway (``acknowledgeOutcomes(_:)``).
    private let outcomeReceipts: Bool
    /// Outcomes handed on and not yet acknowledged: journal sequence → when.
    private var offeredOutcomes: [Int64: Double] = [:]

    /// - Parameters:
    ///   - journalPath: the SQLite journal (created if missing) or a `postgres://` URL (the replicas' shared
    ///     tables); nil keeps everything in memory (tests).
    ///   - journalOwner: this replica's name in a shared journal (`gateway-N`).
    /// - Throws: ``GatewayError/journal(_:)`` when the journal cannot be opened.
    ///   - outcomeReceipts: the collector's receipts are fed to ``acknowledgeOutcomes(_:)``; an outcome then stays
    ///     in the journal until acknowledged (a collector crash loses nothing).
    public init(port: any PipelinePort, journalPath: String? = nil, journalOwner: String = "gateway-0", limits: DispatcherLimits = .init(),
                metrics: GatewayMetrics = .init(), outcomeReceipts: Bool = false) throws {
        self.port = port; self.limits = limits; self.metrics = metrics; self.outcomeReceipts = outcomeReceipts
        do { journal = try journalPath.map { try IntakeJournal(path: $0, owner: journalOwner) } } catch {
            throw GatewayError.journal("\(error)")
        }
        // A shared server's journal already answers for every replica; files are read one by one.
        siblings = journal?.sharedAcrossReplicas == false ? journalPath.flatMap { SiblingJournals(ownPath: $0) } : nil
    }

    /// Sends every email the journal holds as pending (accepted before a crash or restart, never finished) and every
    /// outcome not yet handed on, then starts the periodic sweep that re-sends lost emails, gives up on them after
    /// the retry cap and times out waiters.
    public func start() {
        guard sweeper == nil else { return }
        replayJournal()
        sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(200))
                await self?.sweep()
            }
        }
    }

    public func stop() {
        sweeper?.cancel(); sweeper = nil
        flushResults()
        for (_, p) in pending { for w in p.waiters { w.continuation.resume(throwing: CancellationError()) } }
        pending.removeAll()
    }

    // MARK: requests

    /// Sends `emails` and waits for all their results (or the sync timeout).
    public func classify(_ emails: [Email]) async throws -> [Assignment] {
        try validate(emails)
        try admit(try unique(emails))
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
        try admit(try unique(emails))
        return emails.map(\.id)
    }

    /// Where one email stands; throws `notFound` for ids never accepted (or, without a journal, long expired).
    public func status(of id: String) throws -> EmailStatus {
        if let r = results[id] { return .done(r) }
        if pending[id] != nil { return .pending }
        if let reason = failures[id] { return .failed(reason: reason) }
        if let journal, let entry = try journaled({ try journal.entry(id) }) ?? siblings?.entry(id, now: now()) {
            switch entry.state {
            case .pending: return .pending
            case .done: if let r = entry.result { return .done(r) }
            case .failed: return .failed(reason: entry.failure ?? "no result after \(entry.attempts) sends into the pipeline")
            }
        }
        throw GatewayError.notFound(id)
    }

    /// Journals a closed-case outcome, then hands it to the feedback-collector; with a journal, an outcome that
    /// cannot be sent now is kept and sent by the sweep (the client's 202 stands).
    public func feedback(_ outcome: Outcome) throws {
        try FieldLimits.validate(outcome)
        try checkLabels(outcome)
        if let journal {
            let seq = try journaled { try journal.acceptOutcome(outcome) }
            if (try? port.sendOutcome(outcome)) != nil { outcomeHandedOn(seq) }
        } else {
            do { try port.sendOutcome(outcome) } catch { throw Self.sendFailure(error) }
        }
        metrics.count("mailroom_gateway_feedback_total")
    }

    // MARK: pipeline events

    /// A routed result came back from the router.
    public func deliver(_ assignment: Assignment) {
        let t = now()
        if journal != nil { unjournaledResults.append(assignment) }
        failures[assignment.id] = nil
        if let p = pending.removeValue(forKey: assignment.id) {
            metrics.observeLatency(t - p.submittedAt)
            for w in p.waiters { w.continuation.resume(returning: assignment) }
        }
        remember(assignment)
        metrics.count("mailroom_gateway_results_total")
    }

    /// A stage could not handle this email on its own (a poison email): it becomes a dead letter now, instead of
    /// going around the loop until the retry cap.
    public func stageFailed(_ failure: StageFailureInfo) {
        guard let p = pending[failure.id] else { return }
        giveUp(failure.id, p, reason: "the \(failure.stage) stage could not handle this email: \(failure.reason)")
    }

    /// The feedback-collector committed the outcomes of these email ids: they leave the journal's send queue.
    public func acknowledgeOutcomes(_ ids: [String]) {
        guard let journal, !ids.isEmpty else { return }
        do {
            for seq in try journal.recordOutcomesAcknowledged(emailIDs: ids) { offeredOutcomes[seq] = nil }
        } catch { metrics.count("mailroom_gateway_journal_errors_total") }
    }

    public func heartbeat(_ beat: HeartbeatInfo) {
        heartbeats["\(beat.stage)#\(beat.replica)"] = (beat, now())
        if let heads = beat.heads, !heads.isEmpty { lastHeads = heads }
    }

    /// Feedback must name heads and labels a served model has: those of a live classifier, or, with none live, of
    /// the last one heard. Before any classifier has been heard of, only the shape is checked.
    private func checkLabels(_ outcome: Outcome) throws {
        let t = now()
        var schemas = heartbeats.values.filter { t - $0.at <= limits.livenessSeconds }.compactMap(\.beat.heads)
        if schemas.isEmpty, let lastHeads { schemas = [lastHeads] }
        guard !schemas.isEmpty else { return }
        var firstProblem: String?
        for heads in schemas {
            let byName = Dictionary(heads.map { ($0.name, Set($0.labels)) }, uniquingKeysWith: { a, _ in a })
            var problem: String?
            for head in outcome.newLabels ?? [] where byName[head] == nil {
                problem = "new_labels names head \(quotedForMessage(head)), which the model does not have (heads: \(heads.map(\.name).joined(separator: ", ")))"
            }
            for (head, label) in outcome.labels.sorted(by: { $0.key < $1.key }) where problem == nil {
                guard let labels = byName[head] else {
                    problem = "labels names head \(quotedForMessage(head)), which the model does not have (heads: \(heads.map(\.name).joined(separator: ", ")))"
                    break
                }
                guard labels.contains(label) || outcome.newLabels?.contains(head) == true else {
                    problem = "labels.\(head) is \(quotedForMessage(label)), which is not one of the model's \(labels.count) labels for that head "
                        + "(if it is a new class, add \(quotedForMessage(head)) to new_labels)"
                    break
                }
            }
            guard let problem else { return }
            firstProblem = firstProblem ?? problem
        }
        throw GatewayError.validation(firstProblem!)
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

    /// The last heartbeat of every stage replica still alive, in stage and replica order (for /metrics).
    public func liveHeartbeats() -> [HeartbeatInfo] {
        let t = now()
        return heartbeats.values.filter { t - $0.at <= limits.livenessSeconds }.map(\.beat)
            .sorted { ($0.stage, $0.replica) < ($1.stage, $1.replica) }
    }

    // MARK: internals

    private func validate(_ emails: [Email]) throws {
        guard !emails.isEmpty else { throw GatewayError.validation("emails is empty: send at least one email") }
        guard emails.count <= limits.maxBatch else {
            throw GatewayError.batchTooLarge(count: emails.count, limit: limits.maxBatch)
        }
        for (i, e) in emails.enumerated() { try FieldLimits.validate(e, index: i) }
    }

    /// The batch with each id once. The same id twice with the same content counts once (the id is an idempotency
    /// key); with different content it is a conflict, as it would be across two requests.
    private func unique(_ emails: [Email]) throws -> [Email] {
        var first: [String: Email] = [:]
        var out: [Email] = []
        var conflicts: [String] = []
        for e in emails {
            if let seen = first[e.id] {
                if seen != e && !conflicts.contains(e.id) { conflicts.append(e.id) }
            } else {
                first[e.id] = e
                out.append(e)
            }
        }
        guard conflicts.isEmpty else {
            metrics.count("mailroom_gateway_conflicts_total")
            throw GatewayError.conflict(ids: conflicts)
        }
        return out
    }

    /// Journals the batch (all or nothing), then sends every email that has neither a result nor a send in
    /// progress. An email that cannot be sent now (the pipeline is full or down) is taken back out of the journal,
    /// so the error the client gets means "not accepted".
    private func admit(_ emails: [Email]) throws {
        let fresh = emails.filter { results[$0.id] == nil && pending[$0.id] == nil }
        guard pending.count + fresh.count <= limits.maxInFlight else {
            metrics.count("mailroom_gateway_rejected_total")
            throw GatewayError.overloaded(inFlight: pending.count, limit: limits.maxInFlight)
        }
        var toSend = fresh
        if let journal {
            // Another replica holding the id with other content: the same conflict as in this replica's journal.
            if let siblings {
                let t = now()
                let conflicts = try emails.filter { e in
                    guard let held = siblings.entry(e.id, now: t) else { return false }
                    return try journaled { try journal.contentHash(of: e) } != held.contentSHA256
                }.map(\.id)
                if !conflicts.isEmpty {
                    metrics.count("mailroom_gateway_conflicts_total")
                    throw GatewayError.conflict(ids: conflicts)
                }
            }
            let decisions: [IntakeDecision]
            do { decisions = try journal.accept(emails) } catch let IntakeJournalError.conflict(ids) {
                metrics.count("mailroom_gateway_conflicts_total")
                throw GatewayError.conflict(ids: ids)
            } catch { throw GatewayError.journal("\(error)") }
            toSend = []
            for (email, decision) in zip(emails, decisions) where results[email.id] == nil && pending[email.id] == nil {
                switch decision {
                case .accepted: toSend.append(email)
                case .known(let entry):
                    if entry.state == .done, let r = entry.result { remember(r) } else { toSend.append(email) }
                }
            }
        }
        let t = now()
        var sent: [String] = []
        defer { try? journal?.recordAttempts(sent) }
        for email in toSend {
            let trace = UUID().uuidString.lowercased()
            do { try port.sendEmail(email, traceID: trace) } catch {
                if case GatewayError.pipelineFull = error { metrics.count("mailroom_gateway_rejected_total") }
                for unsent in toSend.drop(while: { $0.id != email.id }) { try? journal?.withdraw(unsent.id) }
                throw Self.sendFailure(error)
            }
            sent.append(email.id)
            failures[email.id] = nil
            pending[email.id] = Pending(email: email, traceID: trace, submittedAt: t, deadline: t + attemptTimeout(1),
                                        attempts: 1, waiters: [])
            metrics.count("mailroom_gateway_emails_submitted_total")
        }
    }

    /// Puts every pending journal entry back in flight and sends it; hands on every unsent outcome.
    private func replayJournal() {
        guard let journal else { return }
        let entries: [IntakeEntry]
        do { entries = try journal.pending() } catch { metrics.count("mailroom_gateway_journal_errors_total"); return }
        let t = now()
        var sentIDs: [String] = []
        defer { try? journal.recordAttempts(sentIDs) }
        for entry in entries where pending[entry.email.id] == nil {
            let trace = UUID().uuidString.lowercased()
            let attempt = entry.attempts + 1
            let sent = (try? port.sendEmail(entry.email, traceID: trace, attempt: attempt)) != nil
            if sent { sentIDs.append(entry.email.id) }
            // Not sent (pipeline full): deadline 0 makes the next sweep try again.
            pending[entry.email.id] = Pending(email: entry.email, traceID: trace, submittedAt: t,
                                              deadline: sent ? t + attemptTimeout(attempt) : 0,
                                              attempts: entry.attempts + (sent ? 1 : 0), waiters: [])
        }
        if !entries.isEmpty { metrics.count("mailroom_gateway_replayed_total", by: Double(entries.count)) }
        sendUnsentOutcomes()
    }

    /// Writes the results delivered since the last sweep (one transaction).
    private func flushResults() {
        guard let journal, !unjournaledResults.isEmpty else { return }
        do {
            try journal.recordResults(unjournaledResults)
            unjournaledResults.removeAll(keepingCapacity: true)
        } catch {
            metrics.count("mailroom_gateway_journal_errors_total")  // kept: retried on the next sweep
        }
    }

    /// Hands on every journaled outcome never handed on, or handed on and not acknowledged in time.
    private func sendUnsentOutcomes() {
        guard let journal, let unsent = try? journal.unsentOutcomes(limit: 256 + offeredOutcomes.count) else { return }
        let t = now()
        for (seq, outcome) in unsent {
            if let at = offeredOutcomes[seq], t - at < limits.outcomeReceiptSeconds { continue }
            guard (try? port.sendOutcome(outcome)) != nil else { return }
            outcomeHandedOn(seq)
        }
    }

    /// libzmq took the outcome: done, unless receipts say when it is committed.
    private func outcomeHandedOn(_ seq: Int64) {
        if outcomeReceipts { offeredOutcomes[seq] = now() } else { try? journal?.recordOutcomeSent(seq) }
    }

    /// How long attempt `n` (1 first) waits for its result: doubling from ``DispatcherLimits/resendAfterSeconds``.
    private func attemptTimeout(_ n: Int) -> Double {
        min(limits.maxResendAfterSeconds, limits.resendAfterSeconds * pow(2, Double(max(0, n - 1))))
    }

    /// Keeps `result` for `GET /v1/emails/{id}` (bounded; the journal keeps everything).
    private func remember(_ assignment: Assignment) {
        if results[assignment.id] == nil {
            resultOrder.append(assignment.id)
            if resultOrder.count - resultOrderHead > limits.resultCacheSize {
                results[resultOrder[resultOrderHead]] = nil
                resultOrderHead += 1
                if resultOrderHead > 4096 { resultOrder.removeFirst(resultOrderHead); resultOrderHead = 0 }
            }
        }
        results[assignment.id] = assignment
    }

    /// Runs a journal operation, mapping its failure to a 503 the client can act on.
    private func journaled<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            metrics.count("mailroom_gateway_journal_errors_total")
            throw GatewayError.journal("\(error)")
        }
    }

    private func sweep() {
        let t = now()
        flushResults()
        var resent: [String] = []
        defer { try? journal?.recordAttempts(resent) }
        // Known back-pressure (emails still waiting for the pipeline to take them): nothing is lost, it is slow.
        // Deadlines that run out now are pushed back rather than adding re-sends to the queue.
        let backedUp = port.emailBacklog > 0
        for (id, var p) in pending {
            let expired = p.waiters.filter { $0.deadline <= t }
            if !expired.isEmpty {
                for w in expired { w.continuation.resume(throwing: TimeoutMarker()) }
                p.waiters.removeAll { $0.deadline <= t }
            }
            if t >= p.deadline {
                if backedUp && p.deadline > 0 {
                    p.deadline = t + attemptTimeout(p.attempts)
                    metrics.count("mailroom_gateway_resends_postponed_total")
                } else if p.attempts >= limits.maxAttempts {
                    giveUp(id, p, reason: "no result after \(p.attempts) send\(p.attempts == 1 ? "" : "s") into the pipeline")
                    continue
                } else if (try? port.sendEmail(p.email, traceID: p.traceID, attempt: p.attempts + 1)) != nil {
                    p.attempts += 1; p.deadline = t + attemptTimeout(p.attempts)
                    resent.append(id)
                    metrics.count("mailroom_gateway_resent_total")
                }
            }
            pending[id] = p
        }
        sweeps += 1
        if sweeps % 5 == 0 { sendUnsentOutcomes() }
    }

    /// The dead letter: the email leaves the in-flight set as `failed`; waiting requests time out (their error
    /// points at `GET /v1/emails/{id}`, which says why).
    private func giveUp(_ id: String, _ p: Pending, reason: String) {
        pending[id] = nil
        for w in p.waiters { w.continuation.resume(throwing: TimeoutMarker()) }
        if let journal { try? journal.recordFailure(id, reason: reason) } else { failures[id] = reason }
        metrics.count("mailroom_gateway_failed_total")
    }

    private func now() -> Double { Date().timeIntervalSince1970 }

    /// A port's error as the client sees it: a full queue stays 429, anything else is the pipeline unavailable.
    private static func sendFailure(_ error: any Error) -> GatewayError {
        (error as? GatewayError) ?? .transport(String(describing: error))
    }
}

/// A stage's report that one email failed on its own.
public struct StageFailureInfo: Sendable, Equatable {
    public var id: String
    public var stage: String
    public var reason: String
    public init(id: String, stage: String, reason: String) { self.id = id; self.stage = stage; self.reason = reason }
}

/// What the gateway keeps of a stage's heartbeat.
public struct HeartbeatInfo: Sendable {
    public var stage: String
    public var replica: Int
    public var ready: Bool
    public var modelVersion: String?
    /// The served model's heads and labels (classifiers).
    public var heads: [HeadSpec]?
    /// The candidate a classifier runs in shadow.
    public var shadowVersion: String?
    /// The replica's own cumulative figures (family name → value), for /metrics.
    public var figures: [String: Double]
    public init(stage: String, replica: Int, ready: Bool, modelVersion: String?, heads: [HeadSpec]? = nil,
                shadowVersion: String? = nil, figures: [String: Double] = [:]) {
        self.stage = stage; self.replica = replica; self.ready = ready; self.modelVersion = modelVersion; self.heads = heads
        self.shadowVersion = shadowVersion; self.figures = figures
    }
}

struct TimeoutMarker: Error {}
