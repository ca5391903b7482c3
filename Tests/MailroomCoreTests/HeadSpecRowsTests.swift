// HeadSpecRowsTests: the heads a training set defines, as both trainers build them.
import MailroomCore
import Testing

@Suite struct HeadSpecRowsTests {
    @Test func headsAreSortedLabelKeysWithSortedLabels() {
        let rows = [DatasetRow(id: "1", subject: "", body: "a", labels: ["queue": "Payments", "topic": "sepa"]),
                    DatasetRow(id: "2", subject: "", body: "b", labels: ["queue": "Cards"]),
                    DatasetRow(id: "3", subject: "", body: "c", labels: ["queue": "Payments", "lob": "Retail"]),
                    DatasetRow(id: "4", subject: "", body: "d")]
        #expect(HeadSpec.heads(of: rows) == [HeadSpec(name: "lob", labels: ["Retail"]),
                                             HeadSpec(name: "queue", labels: ["Cards", "Payments"]),
                                             HeadSpec(name: "topic", labels: ["sepa"])])
        #expect(HeadSpec.heads(of: [DatasetRow]()).isEmpty)
    }
}
