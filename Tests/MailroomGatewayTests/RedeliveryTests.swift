// RedeliveryTests: how the gateway re-sends: numbered attempts with doubling deadlines, none while the pipeline is
// known to be backed up, a dead letter at the retry cap or at once when a stage reports the email failed alone,
// and outcomes kept until the collector's receipt.
import Foundation
import MailroomCore
import MailroomGateway
import MailroomStore
import Synchronization
import Testing

/// Records every send with its attempt number; `backlog` stands in for the ZeroMQ sender's queue.
final class AttemptPort: PipelinePort {
    let attempts = Mutex<[(id: String, attempt: Int)]>([])
    let outcomes = Mutex<[Outcome]>([])
    let backlog = Mutex(0)
    func sendEmail(_ email: Email, traceID: String) throws { try sendEmail(email, traceID: traceID, attempt: 1) }
    func sendEmail(_ email: Email, traceID: String, attempt: Int) throws { attempts.withLock { $0.append((email.id, attempt)) } }
    func sendOutcome(_ outcome: Outcome) throws { outcomes.withLock { $0.append(outcome) } }
    var emailBacklog: Int { backlog.withLock { $0 } }
}

/// Polls `condition` every 50 ms, at most `polls` times: a hang guard counted in polls, not wall-clock time, so a
/// cooperative pool starved by the rest of the suite delays the test instead of failing it.
private func eventually(_ polls: Int = 1200, _ condition: () async throws -> Bool) async rethrows -> Bool {
    for _ in 0..<polls {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

private func fastLimits() -> DispatcherLimits {
    var limits = DispatcherLimits()
    limits.resendAfterSeconds = 0.1
    limits.maxAttempts = 3
    return limits
}

@Suite struct RedeliveryTests {
    @Test func attemptsAreNumberedUpToTheCapThenADeadLetter() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-cap-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = AttemptPort()
        let d = try Dispatcher(port: port, journalPath: path, limits: fastLimits())
        await d.start()
        _ = try await d.submit([Email(id: "a", body: "x")])
        let failed = try await eventually() {
            if case .failed = try await d.status(of: "a") { return true } else { return false }
        }
        #expect(failed)
        #expect(port.attempts.withLock { $0.map(\.attempt) } == [1, 2, 3])
        // `mailroom journal failed` reads this list.
        let deadLetters = try IntakeJournal(path: path).failed()
        #expect(deadLetters.map(\.id) == ["a"] && deadLetters.first?.attempts == 3)
        await d.stop()
    }

    @Test func noResendWhileThePipelineIsKnownToBeBackedUp() async throws {
        let port = AttemptPort()
        port.backlog.withLock { $0 = 5 }
        let d = try Dispatcher(port: port, limits: fastLimits())
        await d.start()
        _ = try await d.submit([Email(id: "a", body: "x")])
        // Well past three deadlines (0.1 + 0.2 + 0.4 s): still one send, still pending, not a dead letter.
        try await Task.sleep(for: .milliseconds(1500))
        #expect(port.attempts.withLock { $0.count } == 1)
        #expect(try await d.status(of: "a") == .pending)
        port.backlog.withLock { $0 = 0 }
        #expect(await eventually() { port.attempts.withLock { $0.count } >= 2 })
        await d.stop()
    }

    @Test func anEmailAStageCannotHandleIsADeadLetterAtOnce() async throws {
        let port = AttemptPort()
        var limits = DispatcherLimits()
        limits.resendAfterSeconds = 60
        let d = try Dispatcher(port: port, limits: limits)
        await d.start()
        _ = try await d.submit([Email(id: "poison", body: "x"), Email(id: "mate", body: "y")])
        await d.stageFailed(StageFailureInfo(id: "poison", stage: "classifier", reason: "the model failed on this email"))
        guard case .failed(let reason) = try await d.status(of: "poison") else {
            Issue.record("poison is not failed"); return
        }
        #expect(reason.contains("classifier"))
        #expect(try await d.status(of: "mate") == .pending)
        #expect(port.attempts.withLock { $0.count } == 2)
        // Submitting it again starts it over.
        _ = try await d.submit([Email(id: "poison", body: "x")])
        #expect(try await d.status(of: "poison") == .pending)
        await d.stop()
    }

    @Test func anOutcomeIsSentAgainUntilTheCollectorAcknowledgesIt() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-receipts-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let port = AttemptPort()
        var limits = DispatcherLimits()
        limits.outcomeReceiptSeconds = 0.3
        let d = try Dispatcher(port: port, journalPath: path, limits: limits, outcomeReceipts: true)
        await d.start()
        try await d.feedback(Outcome(id: "a", labels: ["queue": "Tax"]))
        #expect(await eventually() { port.outcomes.withLock { $0.count } >= 2 }, "an unacknowledged outcome was not sent again")
        await d.acknowledgeOutcomes(["a"])
        let count = port.outcomes.withLock { $0.count }
        try await Task.sleep(for: .milliseconds(1500))
        #expect(port.outcomes.withLock { $0.count } <= count + 1)  // at most one already on its way
        await d.stop()
    }
}
