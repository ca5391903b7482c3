// Tests of the sample-data generator: determinism, label distribution and noise.
import MailroomCore
import MailroomSampleData
import Testing

@Suite struct SampleDataTests {
    @Test func sameSeedSameEmails() {
        let a = SampleDataGenerator.emails(count: 50, seed: 11), b = SampleDataGenerator.emails(count: 50, seed: 11)
        #expect(a.map(\.email) == b.map(\.email))
        #expect(a.map(\.labels) == b.map(\.labels))
        let c = SampleDataGenerator.emails(count: 50, seed: 12)
        #expect(a.map(\.email.subject) != c.map(\.email.subject))
        #expect(SampleDataGenerator.dataset(count: 40, seed: 3, validationFraction: 0.2)
                == SampleDataGenerator.dataset(count: 40, seed: 3, validationFraction: 0.2))
    }

    @Test func labelDistributionIsPlausible() {
        let rows = SampleDataGenerator.dataset(count: 2000, seed: 42, validationFraction: 0.15)
        let german = rows.filter { $0.language == "de" }.count
        #expect(german > 1250 && german < 1550)                        // ~70 %
        let validation = rows.filter(\.isValidation).count
        #expect(validation > 200 && validation < 400)                   // ~15 %
        for row in rows { #expect(Set(row.labels.keys) == Set(SampleLabels.heads)) }
        let topics = Dictionary(grouping: rows, by: { $0.labels["topic"]! }).mapValues(\.count)
        #expect(topics.count == SampleLabels.topics.count)              // every topic occurs
        #expect(topics.values.max()! < 400)                             // none dominates
        let queues = Set(rows.map { $0.labels["queue"]! }), lobs = Set(rows.map { $0.labels["line_of_business"]! })
        #expect(queues == Set(SampleLabels.queues))
        #expect(lobs == Set(SampleLabels.lineOfBusiness))
        // Ambiguity: the topic does not fix the line of business.
        let savingsLOB = Set(rows.filter { $0.labels["topic"] == "tax_certificate" }.map { $0.labels["line_of_business"]! })
        #expect(savingsLOB.count >= 3)
    }

    @Test func mailsCarryRealNoise() {
        let emails = SampleDataGenerator.emails(count: 600, seed: 9)
        let bodies = emails.map(\.plainBody)
        #expect(emails.contains { $0.email.bodyHTML != nil && $0.email.body == nil })
        #expect(emails.allSatisfy { $0.email.body != nil || $0.email.bodyHTML?.contains("<html>") == true })
        #expect(bodies.contains { $0.contains("-----Ursprüngliche Nachricht-----") })
        #expect(bodies.contains { $0.contains("schrieb") && $0.contains("\n> ") })
        #expect(bodies.contains { $0.contains("wrote:") })
        #expect(bodies.contains { $0.contains("iPhone") })
        #expect(bodies.contains { $0.contains("Registergericht") || $0.contains("HRB") })
        #expect(bodies.contains { $0.contains("vertrauliche") })
        #expect(emails.contains { $0.email.custodianBank != nil })
        #expect(Set(emails.map(\.email.id)).count == emails.count)
    }
}
