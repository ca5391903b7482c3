// RouterDeliveryTests: the router's outbox (each assignment published once, with gap-free sequence numbers; a
// redelivered email answered with its first assignment), the feedback spool (a copy handed back or never
// acknowledged is offered again) and the collector's receipts.
import Foundation
import Logging
import MailroomCore
import MailroomFeedbackStage
import MailroomRouterStage
import MailroomRuntime
import MailroomStore
import MailroomTransport
import Testing

private func temporaryPath(_ name: String) -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mailroom-router-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder.appendingPathComponent(name).path
}

private func classified(_ id: String, queue: String = "Tax") -> Envelope {
    let email = CleanedEmail(id: id, subject: "Steuerbescheinigung", text: "Bitte senden Sie sie erneut.")
    let prediction = Prediction(id: id, modelVersion: "v1", heads: ["queue": HeadPrediction(label: queue, confidence: 0.9)])
    return Envelope(messageID: id, payload: .classified(Classified(email: email, prediction: prediction)))
        .stamped(stage: "classifier", replica: 0)
}

private let rules = try! RouterRules.parse("""
    [thresholds]
    default = 0.5
    [routes]
    queue = * -> {label}
    [fallback]
    queue = Manual Triage
    """)

private func router(_ outbox: String, receipts: Bool = false) throws -> RouterStage {
    let stage = RouterStage(rules: rules, outboxPath: outbox, snapshotEndpoint: nil,
                            receiptEndpoints: receipts ? ["inproc://no-collector-\(UUID().uuidString)"] : [],
                            replica: 0, logger: Logger(label: "test"))
    try stage.prepare()
    return stage
}

@Suite struct RouterDeliveryTests {
    @Test func eachAssignmentIsPublishedOnceWithGapFreeSequenceNumbers() throws {
        let path = temporaryPath("router.sqlite")
        let stage = try router(path)
        let first = stage.handle([classified("a"), classified("b")])
        #expect(first.filter { $0.port == .results }.map(\.envelope.messageID) == ["a", "b"])
        let published = first.filter { $0.port == .assignments }
        #expect(published.map { Publication(frames: $0.prefix[...]) } ==
                [Publication(topic: "assignments.0", sequence: 1), Publication(topic: "assignments.0", sequence: 2)])
        #expect(first.filter { $0.port == .feedback }.count == 2)

        // Redelivered (the gateway re-sent: it had no result), even with another prediction: the first assignment
        // goes back to the gateway, nothing is published or stored twice.
        let again = stage.handle([classified("b", queue: "Payments"), classified("c")])
        #expect(again.filter { $0.port == .results }.count == 2)
        guard case .routed(let b) = again.first(where: { $0.port == .results })?.envelope.payload else {
            Issue.record("no result for b"); return
        }
        #expect(b.assignment.assignedQueue == "Tax")
        #expect(again.filter { $0.port == .assignments }.compactMap { Publication(frames: $0.prefix[...])?.sequence } == [3])
        #expect(again.filter { $0.port == .feedback }.map(\.envelope.messageID) == ["c"])

        // A restarted router keeps its numbering and its memory of what it routed.
        let restarted = try router(path)
        let later = restarted.handle([classified("a"), classified("d")])
        #expect(later.filter { $0.port == .assignments }.compactMap { Publication(frames: $0.prefix[...])?.sequence } == [4])
        let reader = try OutboxReader(path: path)
        #expect(try reader.lastSequence() == 4)
        #expect(try reader.assignments(after: 2, limit: 10).map(\.assignment.id) == ["c", "d"])
    }

    @Test func aFeedbackCopyHandedBackIsOfferedAgainFromTheSpool() throws {
        let path = temporaryPath("router.sqlite")
        let stage = try router(path)
        let out = stage.handle([classified("a"), classified("b")])
        let feedback = out.filter { $0.port == .feedback }
        // The collector took a, and was full for b.
        stage.settled(delivered: out.filter { $0.port != .feedback } + [feedback[0]], undelivered: [feedback[1]])
        let outbox = try RouterOutbox(path: path)
        #expect(try outbox.feedbackBacklog() == 1)  // without receipts, handed on counts as done
        var offered: [StageOutput<RouterOutput>] = []
        for _ in 0..<10 { offered += stage.idle() }
        #expect(offered.map(\.envelope.messageID) == ["b"])
        guard case .routed(let r) = offered.first?.envelope.payload else { Issue.record("no copy offered"); return }
        #expect(r.email.text == "Bitte senden Sie sie erneut.")  // the copy keeps the text the store needs
        stage.settled(delivered: offered, undelivered: [])
        #expect(try outbox.feedbackBacklog() == 0)
        for _ in 0..<10 { #expect(stage.idle().isEmpty) }
    }

    @Test func withReceiptsACopyStaysSpooledUntilAcknowledged() throws {
        let path = temporaryPath("router.sqlite")
        let stage = try router(path, receipts: true)
        let out = stage.handle([classified("a")])
        stage.settled(delivered: out, undelivered: [])
        #expect(try RouterOutbox(path: path).feedbackBacklog() == 1)
        // Within the receipt deadline nothing is offered twice.
        for _ in 0..<10 { #expect(stage.idle().isEmpty) }
        // A restarted router (the old one died before the receipt came) offers it again.
        let restarted = try router(path, receipts: true)
        var offered: [StageOutput<RouterOutput>] = []
        for _ in 0..<10 { offered += restarted.idle() }
        #expect(offered.map(\.envelope.messageID) == ["a"])
    }

    @Test func theCollectorAcknowledgesOnlyWhatItCommittedToTheSender() throws {
        let collector = FeedbackStage(databasePath: temporaryPath("feedback.sqlite"), logger: Logger(label: "test"))
        try collector.prepare()
        let stage = try router(temporaryPath("router.sqlite"))
        let copies = stage.handle([classified("a"), classified("b")]).filter { $0.port == .feedback }
            .map { $0.envelope.stamped(stage: "router", replica: 0) }
        let outcome = Envelope(messageID: "a", payload: .outcome(Outcome(id: "a", labels: ["queue": "Tax"])))
            .stamped(stage: "gateway", replica: 0)
        let acks = collector.handle(copies + [outcome])
        let byTopic = Dictionary(uniqueKeysWithValues: acks.compactMap { o -> (String, [String])? in
            guard case .ack(let ack) = o.envelope.payload, let p = Publication(frames: o.prefix[...]) else { return nil }
            return (p.topic, ack.ids)
        })
        #expect(byTopic == ["acks.router.0": ["a", "b"], "acks.gateway.0": ["a"]])
        #expect(collector.readiness.ready)
    }
}
