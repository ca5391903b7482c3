// mailroom feedback report|export: live quality over closed cases, and closed cases as training data.
import ArgumentParser
import Foundation
import MailroomCore
import MailroomStore

struct FeedbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "Closed-case feedback recorded by the feedback-collector.",
        subcommands: [Report.self, Export.self])

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Per model version and head: accuracy and macro-F1 over closed cases.")
        @Option(help: "Feedback database (the feedback-collector's --database).") var database: String = ".mailroom/feedback.sqlite"
        @Flag(help: "Print JSON instead of a table.") var json = false
        @Option(help: "Also write an HTML page of quality over time (inline SVG charts, no email text) to this file.") var html: String?
        @Option(help: "The HTML page's period: day or week (UTC).") var period: String = "week"
        @Option(help: "The model registry, for each version's validation profile (PSI vs validation).") var registry: String = ".mailroom/registry"

        func run() throws {
            guard FileManager.default.fileExists(atPath: database) else {
                throw CLIError("no feedback database at \(database); start the topology (it creates it) or pass --database")
            }
            guard let reportPeriod = ReportPeriod(rawValue: period) else { throw CLIError("--period \(period): expected day or week") }
            let store = try FeedbackStore(path: database)
            let rows = try store.report()
            let counts = try store.counts()
            if let html {
                let cases = try store.closedCases(includeShadow: true)
                let found = try ValidationProfiles(registry: registry).profiles(of: cases.map(\.modelVersion)) { throw $0 }
                let page = FeedbackTrends(cases: cases, period: reportPeriod, profiles: found).html(table: rows)
                try Data(page.utf8).write(to: URL(fileURLWithPath: html), options: .atomic)
                note("feedback report: \(cases.count) closed cases, \(found.count) validation profiles; written to \(html)")
            }
            if json {
                let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(rows), as: UTF8.self))
                return
            }
            print("predictions \(counts.predictions), outcomes \(counts.outcomes), closed cases with a prediction \(counts.closed)")
            guard !rows.isEmpty else { print("no closed cases yet: POST /v1/feedback records outcomes"); return }
            // Columns as wide as their longest value: a long version string is never cut.
            let versionWidth = max(13, rows.map(\.modelVersion.count).max() ?? 0) + 2
            let headWidth = max(4, rows.map(\.head.count).max() ?? 0) + 2
            func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
            print(pad("model_version", versionWidth) + pad("head", headWidth) + "  cases  accuracy  macro-F1")
            for r in rows {
                print(pad(r.modelVersion, versionWidth) + pad(r.head, headWidth)
                      + String(format: "%7d  %8.3f  %8.3f", r.cases, r.accuracy, r.macroF1))
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write closed cases (true labels) as dataset JSONL for retraining.")
        @Option(help: "Feedback database.") var database: String = ".mailroom/feedback.sqlite"
        @Option(help: "Output dataset JSONL file.") var out: String
        @Option(help: "Share of rows marked split=validation (stable per email id).") var validationFraction: Double = 0.15

        func run() throws {
            guard FileManager.default.fileExists(atPath: database) else { throw CLIError("no feedback database at \(database)") }
            let rows = try FeedbackStore(path: database).exportTrainingRows(validationFraction: validationFraction)
            guard !rows.isEmpty else { throw CLIError("no closed cases to export yet") }
            try JSONL.write(rows, to: out)
            note("\(rows.count) closed cases written to \(out)")
        }
    }
}
