// mailroom clean: runs the email cleaner over a JSONL file, adding `clean_text` and `removed` to every line.
import ArgumentParser
import Foundation
import MailroomTraining

struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Clean emails (dataset rows or gateway emails): adds clean_text and removed spans to each line.")

    @Option(help: "Input JSONL (body and/or body_html).") var input: String
    @Option(help: "Output JSONL.") var output: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: input) else { throw CLIError("cannot read \(input)") }
        let start = Date()
        let (annotated, summary) = try CleanAnnotation.annotate(jsonl: data, source: input)
        try annotated.write(to: URL(fileURLWithPath: output), options: .atomic)
        note("cleaned \(summary.emails) emails in \(String(format: "%.2f", Date().timeIntervalSince(start))) s; "
             + "removed \(summary.removedCharacters) characters; written to \(output)")
    }
}
