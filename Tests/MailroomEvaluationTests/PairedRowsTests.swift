// PairedRowsTests: a comparison from two models' recorded predictions (the shadow's live comparison): counts,
// agreement and the label list worked out by hand.
import MailroomCore
import MailroomEvaluation
import Testing

@Suite struct PairedRowsTests {
    @Test func countsAgreementAndLabelsByHand() {
        // truth, champion, candidate on head "topic"; the last row lacks the candidate's label and is skipped.
        let triples = [("a", "a", "a"), ("a", "b", "a"), ("b", "b", "b"), ("c", "a", "c"), ("b", "a", "b"), ("a", "a", "b")]
        var rows = triples.map { PairedRow(truth: ["topic": $0.0], champion: ["topic": $0.1], candidate: ["topic": $0.2]) }
        rows.append(PairedRow(truth: ["topic": "a"], champion: ["topic": "a"], candidate: [:]))
        let c = PairedComparison.compare(champion: "v1", championHeads: [HeadSpec(name: "topic", labels: ["a", "b"])],
                                         candidate: "v2", candidateHeads: [HeadSpec(name: "topic", labels: ["a", "b", "c"]),
                                                                           HeadSpec(name: "queue", labels: ["q"])],
                                         rows: rows, alpha: 0.05, minimumRows: 3, rowsSource: "live")
        let h = c.heads[0]
        #expect(c.heads.count == 1 && c.unpairedHeads == ["queue"] && c.rowsSource == "live" && c.rows == 7)
        #expect(h.mcnemar.rows == 6)
        #expect(h.mcnemar.bothRight == 2 && h.mcnemar.championOnly == 1 && h.mcnemar.candidateOnly == 3 && h.mcnemar.bothWrong == 0)
        #expect(h.champion.accuracy == 3.0 / 6 && h.candidate.accuracy == 5.0 / 6)
        #expect(h.agreement == 2.0 / 6)  // rows 1 and 3
        #expect(h.labelsNewToChampion == ["c"])
        #expect(h.champion.labels == ["a", "b", "c"])
        #expect(c.summaryLines().first?.contains("b=1 c=3") == true)
        #expect(c.markdown().contains("7 live."))
    }
}
