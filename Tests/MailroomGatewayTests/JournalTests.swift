// JournalTests: the dispatcher over a real SQLite intake journal: what was accepted survives a restart (replayed,
// answered from the journal), a repeated id must carry the same content, the retry cap ends in a visible and
// re-submittable dead letter, outcomes wait in the journal until they can be handed on.
import Foundation
import MailroomCore
import MailroomGateway
import MailroomStore
import MailroomTestSupport
import Synchronization
import Testing

/// A fresh journal path per test (the folder is removed when the value goes).
final class JournalFile: Sendable {
    let directory = "/tmp/mr-journal-" + UUID().uuidString.prefix(8).lowercased()
    var path: String { directory + "/gateway-0.sqlite" }
    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

/// A port whose outcome sends fail (the feedback-collector's queue is full) until `healthy` is set.
final class FlakyOutcomePort: PipelinePort {
    let healthy = Mutex(false)
    let outcomes = Mutex<[String]>([])
    func sendEmail(_ email: Email, traceID: String) throws {}
    func sendOutcome(_ outcome: Outcome) throws {
        guard healthy.withLock({ $0 }) else { throw GatewayError.pipelineFull(capacity: 1) }
        outcomes.withLock { $0.append(outcome.id) }
    }
}

@Suite struct JournalTests {
    @Test func acceptedEmailsSurviveARestart() async throws {
        let file = JournalFile()
        let first = RecordingPort()
        let before = try Dispatcher(port: first, journalPath: file.path)
        await before.start()
        _ = try await before.submit([Email(id: "done-before", body: "x"), Email(id: "unfinished", body: "y")])
        await before.deliver(assignment("done-before", queue: "Payments"))
        // A sweep writes the result to the journal (every 200 ms; a hang guard, not a speed check, when the full
        // parallel test run keeps the cooperative pool busy).
        let reader = try IntakeJournal(path: file.path)
        for _ in 0..<1200 where try reader.entry("done-before")?.state != .done { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try reader.entry("done-before")?.state == .done)
        // The gateway dies here (no stop): a new one opens the same journal.
        let second = RecordingPort()
        let after = try Dispatcher(port: second, journalPath: file.path)
        await after.start()
        #expect(second.sent.withLock { $0 } == ["unfinished"], "only the unfinished email is sent again")
        #expect(try await after.status(of: "done-before") == .done(assignment("done-before", queue: "Payments")))
        #expect(try await after.status(of: "unfinished") == .pending)
        // Re-submitting what is done answers from the journal and sends nothing.
        let again = try await after.classify([Email(id: "done-before", body: "x")])
        #expect(again.map(\.assignedQueue) == ["Payments"])
        #expect(second.sent.withLock { $0 } == ["unfinished"])
        await after.stop()
    }

    @Test(.enabled(if: PostgresServer.enabled)) func replicasOnOneServerAnswerForEachOtherAndReplayTheirOwn() async throws {
        let url = try PostgresServer.shared.get().newDatabase()
        let zero = try Dispatcher(port: RecordingPort(), journalPath: url, journalOwner: "gateway-0")
        let onePort = RecordingPort()
        let one = try Dispatcher(port: onePort, journalPath: url, journalOwner: "gateway-1")
        _ = try await one.submit([Email(id: "x", body: "original"), Email(id: "u", body: "unfinished")])
        // Replica 0 answers for replica 1's emails and refuses their id with other content.
        #expect(try await zero.status(of: "x") == .pending)
        await #expect(throws: GatewayError.self) { _ = try await zero.submit([Email(id: "x", body: "changed")]) }
        await one.start()
        await one.deliver(assignment("x", queue: "Payments"))
        let reader = try IntakeJournal(path: url, owner: "gateway-1")
        for _ in 0..<1200 where try reader.entry("x")?.state != .done { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await zero.status(of: "x") == .done(assignment("x", queue: "Payments")))
        await one.stop()
        // Restarted, each replica sends again only what it took and did not finish.
        let zeroAgain = RecordingPort(), oneAgain = RecordingPort()
        let z = try Dispatcher(port: zeroAgain, journalPath: url, journalOwner: "gateway-0")
        let o = try Dispatcher(port: oneAgain, journalPath: url, journalOwner: "gateway-1")
        await z.start(); await o.start()
        #expect(zeroAgain.sent.withLock { $0 }.isEmpty && oneAgain.sent.withLock { $0 } == ["u"])
        await z.stop(); await o.stop()
    }

    @Test func aRepeatedIdMustCarryTheSameContent() async throws {
        let file = JournalFile()
        let port = RecordingPort()
        let d = try Dispatcher(port: port, journalPath: file.path)
        _ = try await d.submit([Email(id: "a", subject: "s", body: "original")])
        _ = try await d.submit([Email(id: "a", subject: "s", body: "original")])
        #expect(port.sent.withLock { $0 } == ["a"], "same id, same content: idempotent")
        do {
            _ = try await d.submit([Email(id: "new", body: "n"), Email(id: "a", subject: "s", body: "changed")])
            Issue.record("expected a conflict")
        } catch let e as GatewayError {
            #expect(e.status.code == 409 && e.type == "conflict" && e.description.contains("a"))
        }
        // The whole batch was refused: its new email was not accepted either.
        await #expect(throws: GatewayError.self) { try await d.status(of: "new") }
        #expect(port.sent.withLock { $0 } == ["a"])
    }

    @Test func theRetryCapEndsInAVisibleResubmittableDeadLetter() async throws {
        let file = JournalFile()
        var limits = DispatcherLimits()
        limits.resendAfterSeconds = 0.1
        limits.maxAttempts = 2
        let port = RecordingPort()
        let d = try Dispatcher(port: port, journalPath: file.path, limits: limits)
        await d.start()
        _ = try await d.submit([Email(id: "poison", body: "x")])
        var status = try await d.status(of: "poison")
        for _ in 0..<1200 where status == .pending {  // a hang guard: the cap is reached in ~0.2 s
            try await Task.sleep(for: .milliseconds(50))
            status = try await d.status(of: "poison")
        }
        guard case .failed(let reason) = status else { Issue.record("still \(status)"); return }
        #expect(reason.contains("after 2 sends"))
        #expect(port.sent.withLock { $0 } == ["poison", "poison"], "sent exactly maxAttempts times")
        #expect(await d.inFlight == 0, "a dead letter leaves the in-flight set")
        let metrics = d.metrics
        #expect(metrics.render().contains("mailroom_gateway_failed_total 1"))
        await d.stop()
        // Still failed after a restart; submitting it again starts it over.
        let restarted = try Dispatcher(port: port, journalPath: file.path, limits: limits)
        #expect(try await restarted.status(of: "poison") == .failed(reason: reason))
        _ = try await restarted.submit([Email(id: "poison", body: "x")])
        #expect(try await restarted.status(of: "poison") == .pending)
        #expect(port.sent.withLock { $0.count } == 3)
    }

    @Test func outcomesWaitInTheJournalUntilTheyCanBeHandedOn() async throws {
        let file = JournalFile()
        let port = FlakyOutcomePort()
        let d = try Dispatcher(port: port, journalPath: file.path)
        // The feedback-collector cannot take it now: the outcome is journaled and the client's 202 stands.
        try await d.feedback(Outcome(id: "case-1", labels: ["queue": "Tax"], resolution: "done"))
        #expect(port.outcomes.withLock { $0 }.isEmpty)
        // After a restart with the collector back, the journal hands it on, once.
        port.healthy.withLock { $0 = true }
        let restarted = try Dispatcher(port: port, journalPath: file.path)
        await restarted.start()
        #expect(port.outcomes.withLock { $0 } == ["case-1"])
        await restarted.stop()
        let again = try Dispatcher(port: port, journalPath: file.path)
        await again.start()
        #expect(port.outcomes.withLock { $0 } == ["case-1"], "an outcome handed on is not sent again")
        await again.stop()
    }

    @Test func anEmailThatCouldNotBeSentWasNotAccepted() async throws {
        let file = JournalFile()
        let d = try Dispatcher(port: ScriptedPort(.full), journalPath: file.path)
        await #expect(throws: GatewayError.self) { try await d.submit([Email(id: "a", body: "x")]) }
        await #expect(throws: GatewayError.self) { try await d.status(of: "a") }
    }

    @Test func anUnwritableJournalIsExplained() throws {
        #expect(throws: GatewayError.self) {
            _ = try Dispatcher(port: RecordingPort(), journalPath: "/proc/mailroom/no/journal.sqlite")
        }
    }
}
