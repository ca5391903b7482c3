// RetrainingSetTests: how history rows and closed cases become the candidate's training set and the held-out
// comparison rows: agents' labels win, the most recent cases are held out, labels evolve as the options say.
import Foundation
import MailroomCore
import MailroomStore
import Testing
@testable import MailroomRetraining

private func closedCase(_ id: String, day: Int, labels: [String: String], text: String = "served text") -> ClosedCase {
    ClosedCase(id: id, modelVersion: "v1", predicted: [:], confidence: [:], truth: labels, resolution: nil,
               closedAt: String(format: "2026-11-%02dT10:00:00Z", day), assignedQueue: "q", needsReview: false,
               subject: "S \(id)", text: text, language: "de")
}

private let champion = [HeadSpec(name: "topic", labels: ["tax", "address"]), HeadSpec(name: "queue", labels: ["Tax", "Client Data"])]

@Suite("Retraining set")
struct RetrainingSetTests {
    @Test func agentsLabelsWinAndTheMostRecentCasesAreHeldOut() throws {
        let history = [DatasetRow(id: "h1", subject: "", body: "old", labels: ["topic": "tax", "queue": "Tax"]),
                       DatasetRow(id: "c1", subject: "", body: "raw history text", labels: ["topic": "address", "queue": "Client Data"], split: "validation")]
        let closed = (1...10).map { closedCase("c\($0)", day: $0, labels: ["topic": "tax", "queue": "Tax"]) }
        var options = RetrainingOptions()
        options.holdoutFraction = 0.3
        let set = try RetrainingSet.build(history: history, closed: closed, champion: champion, options: options)
        #expect(set.holdout.map(\.id) == ["c8", "c9", "c10"], "the three most recently closed cases")
        #expect(set.train.map(\.id).sorted() == ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "h1"])
        let c1 = try #require(set.train.first { $0.id == "c1" })
        #expect(c1.labels["topic"] == "tax" && c1.body == "served text", "the closed case replaces the history row, with the text as served")
        #expect(set.sources == ["history": 1, "history replaced by a closed case": 1, "closed cases": 7, "closed cases held out": 3])
        #expect(set.labelCounts["topic"] == ["tax": 8])
        #expect(set.labelChanges.map(\.head) == ["queue", "topic"] && set.labelChanges.allSatisfy { $0.gone.count == 1 })
    }

    @Test func holdoutByDaysCountsBackFromTheLatestCase() throws {
        let closed = (1...10).map { closedCase("c\($0)", day: $0, labels: ["topic": "tax"]) }
        var options = RetrainingOptions()
        options.holdoutDays = 2.5
        let set = try RetrainingSet.build(history: [], closed: closed, champion: champion, options: options)
        #expect(set.holdout.map(\.id) == ["c8", "c9", "c10"])
        options.holdoutDays = 0.1
        #expect(try RetrainingSet.build(history: [], closed: closed, champion: champion, options: options).holdout.map(\.id) == ["c10"])
    }

    @Test func anUnreadableCloseTimeFallsBackToWhenTheStoreRecordedIt() throws {
        var late = closedCase("late", day: 1, labels: ["topic": "tax"])
        late.closedAt = "yesterday"; late.recordedAtUnixMs = Int64(Date().timeIntervalSince1970 * 1000)
        let closed = [late] + (2...5).map { closedCase("c\($0)", day: $0, labels: ["topic": "tax"]) }
        var options = RetrainingOptions()
        options.holdoutFraction = 0.2
        #expect(try RetrainingSet.build(history: [], closed: closed, champion: champion, options: options).holdout.map(\.id) == ["late"])
    }

    @Test func newLabelsRenamesAndRetirements() throws {
        var closed = (1...30).map { closedCase("n\($0)", day: 1, labels: ["topic": "crypto", "queue": "Tax"]) }
        closed += (1...5).map { closedCase("w\($0)", day: 1, labels: ["topic": "esg", "queue": "Tax"]) }
        closed += (1...4).map { closedCase("r\($0)", day: 1, labels: ["topic": "adress", "queue": "Old Queue"]) }
        closed += (1...3).map { closedCase("late\($0)", day: 20, labels: ["topic": "tax", "queue": "Tax"]) }
        var options = RetrainingOptions()
        options.holdoutDays = 1
        options.labelMap = try LabelMap.parse("""
            # renames and retirements
            topic adress -> address
            queue "Old Queue" retired
            """)
        let set = try RetrainingSet.build(history: [], closed: closed, champion: champion, options: options)
        let topic = try #require(set.labelChanges.first { $0.head == "topic" })
        #expect(topic.added == ["crypto": 30])
        #expect(topic.waiting == ["esg": 5])
        #expect(topic.renamed == ["adress": "address"])
        #expect(topic.gone == ["tax"], "tax only occurs in the held-out cases")
        let queue = try #require(set.labelChanges.first { $0.head == "queue" })
        #expect(queue.retired == ["Old Queue": 4])
        #expect(set.labelCounts["topic"] == ["crypto": 30, "address": 4], "esg waits: its rows train their queue only")
        #expect(set.train.first { $0.id == "w1" }?.labels == ["queue": "Tax"])
        #expect(set.train.first { $0.id == "r1" }?.labels == ["topic": "address"])
    }

    @Test func errorsSayWhatToDo() throws {
        #expect(throws: RetrainingError.noHoldout(closedCases: 0)) {
            try RetrainingSet.build(history: [DatasetRow(id: "h", subject: "", body: "x", labels: ["topic": "tax"])], closed: [],
                                    champion: champion, options: RetrainingOptions())
        }
        #expect(throws: RetrainingError.badLabelMap(path: "label map", line: 2, reason: "expected `HEAD OLD -> NEW` or `HEAD LABEL retired`")) {
            try LabelMap.parse("topic a -> b\ntopic a b c d e")
        }
        #expect(throws: RetrainingError.self) { try LabelMap.parse("topic \"open -> b") }
        #expect(LabelMap(renames: ["t": ["a": "b", "b": "a"]]).apply(head: "t", label: "a") != nil, "a rename loop ends")
    }
}
