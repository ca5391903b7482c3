// DispatcherTests: the gateway's bookkeeping between submission and result: idempotent ids, re-sending what a
// crashed stage lost, timeouts, overload and readiness. The pipeline side is a recording port here; the
// integration test runs the same code over real ZeroMQ processes.
import Foundation
import MailroomCore
import MailroomGateway
import Synchronization
import Testing

final class RecordingPort: PipelinePort {
    let sent = Mutex<[String]>([])
    let outcomes = Mutex<[Outcome]>([])
    func sendEmail(_ email: Email, traceID: String) throws { sent.withLock { $0.append(email.id) } }
    func sendOutcome(_ outcome: Outcome) throws { outcomes.withLock { $0.append(outcome) } }
}

func assignment(_ id: String, queue: String = "Tax") -> Assignment {
    Assignment(id: id, assignedQueue: queue, needsReview: false, lowConfidenceHeads: [],
               prediction: Prediction(id: id, modelVersion: "v1", heads: ["queue": HeadPrediction(label: queue, confidence: 0.9)]))
}

@Suite struct DispatcherTests {
    @Test func classifyWaitsForEveryResultInRequestOrder() async throws {
        let port = RecordingPort()
        let d = try Dispatcher(port: port)
        await d.start()
        async let results = d.classify([Email(id: "a", body: "x"), Email(id: "b", body: "y")])
        try await Task.sleep(for: .milliseconds(50))
        await d.deliver(assignment("b", queue: "Payments"))
        await d.deliver(assignment("a"))
        let r = try await results
        #expect(r.map(\.id) == ["a", "b"])
        #expect(r.map(\.assignedQueue) == ["Tax", "Payments"])
        await d.stop()
    }

    @Test func anIdIsClassifiedOnce() async throws {
        let port = RecordingPort()
        let d = try Dispatcher(port: port)
        _ = try await d.submit([Email(id: "a", body: "x")])
        _ = try await d.submit([Email(id: "a", body: "x")])
        #expect(port.sent.withLock { $0 } == ["a"])
        await d.deliver(assignment("a"))
        let again = try await d.classify([Email(id: "a", body: "x")])
        #expect(again.first?.assignedQueue == "Tax")
        #expect(port.sent.withLock { $0 } == ["a"])
    }

    @Test func lostEmailsAreResentAndSyncCallsTimeOut() async throws {
        var limits = DispatcherLimits()
        limits.resendAfterSeconds = 0.2
        limits.syncTimeoutSeconds = 0.7
        limits.maxAttempts = 20  // the retry cap is JournalTests' subject; here the email must stay pending
        let port = RecordingPort()
        let d = try Dispatcher(port: port, limits: limits)
        await d.start()
        await #expect(throws: GatewayError.self) { try await d.classify([Email(id: "lost", body: "x")]) }
        #expect(port.sent.withLock { $0.count } >= 2, "the email should have been re-sent")
        #expect(try await d.status(of: "lost") == .pending, "it stays pending after the timeout")
        await d.stop()
    }

    @Test func validationAndOverload() async throws {
        var limits = DispatcherLimits()
        limits.maxInFlight = 2
        limits.maxBatch = 3
        let d = try Dispatcher(port: RecordingPort(), limits: limits)
        await #expect(throws: GatewayError.self) { try await d.submit([]) }
        await #expect(throws: GatewayError.self) { try await d.submit([Email(id: "", body: "x")]) }
        await #expect(throws: GatewayError.self) { try await d.submit([Email(id: "a", body: "x"), Email(id: "a", body: "y")]) }
        await #expect(throws: GatewayError.self) { try await d.submit([Email(id: "a")]) }
        await #expect(throws: GatewayError.self) { try await d.submit((0..<4).map { Email(id: "\($0)", body: "x") }) }
        _ = try await d.submit([Email(id: "1", body: "x"), Email(id: "2", body: "x")])
        do {
            _ = try await d.submit([Email(id: "3", body: "x")])
            Issue.record("expected overload")
        } catch let e as GatewayError {
            #expect(e.status.code == 429)
        }
        await #expect(throws: GatewayError.self) { try await d.status(of: "never") }
    }

    @Test func readyOnlyWithEveryStageAndAWarmModel() async throws {
        let d = try Dispatcher(port: RecordingPort())
        #expect(await d.readiness().ready == false)
        for s in ["cleaner", "router", "feedback-collector"] {
            await d.heartbeat(HeartbeatInfo(stage: s, replica: 0, ready: true, modelVersion: nil))
        }
        await d.heartbeat(HeartbeatInfo(stage: "classifier", replica: 0, ready: false, modelVersion: nil))
        let loading = await d.readiness()
        #expect(!loading.ready)
        #expect(loading.missing == ["classifier model (loading)"])
        await d.heartbeat(HeartbeatInfo(stage: "classifier", replica: 0, ready: true, modelVersion: "v1"))
        #expect(await d.readiness().ready)
    }

    @Test func feedbackNeedsLabels() async throws {
        let port = RecordingPort()
        let d = try Dispatcher(port: port)
        await #expect(throws: GatewayError.self) { try await d.feedback(Outcome(id: "a", labels: [:])) }
        try await d.feedback(Outcome(id: "a", labels: ["queue": "Tax"], resolution: "done"))
        #expect(port.outcomes.withLock { $0.map(\.id) } == ["a"])
    }
}
