// mailroom sample: writes the bundled synthetic fintech client emails (deterministic from a seed).
import ArgumentParser
import Foundation
import MailroomCore
import MailroomSampleData

struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample",
        abstract: "Generate realistic German/English fintech client emails with line_of_business, queue and topic labels.")

    @Option(help: "Output dataset JSONL file.") var out: String
    @Option(help: "Number of emails.") var count: Int = 6000
    @Option(help: "Seed (same seed, same data).") var seed: UInt64 = 42
    @Option(help: "Share of rows marked split=validation.") var validationFraction: Double = 0.15
    @Flag(help: "Write gateway emails (with body_html where the email is HTML) instead of dataset rows.") var emails = false

    func run() throws {
        guard count > 0 else { throw CLIError("--count must be positive") }
        guard (0..<1).contains(validationFraction) else { throw CLIError("--validation-fraction must be in [0, 1)") }
        if emails {
            try JSONL.write(SampleDataGenerator.emails(count: count, seed: seed).map(\.email), to: out)
        } else {
            try JSONL.write(SampleDataGenerator.dataset(count: count, seed: seed, validationFraction: validationFraction), to: out)
        }
        note("\(count) sample \(emails ? "emails" : "rows") (seed \(seed)) written to \(out)")
    }
}
