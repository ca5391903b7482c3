// mailroom clean: runs the email cleaner over a JSONL file, adding `clean_text` and `removed` to every line.
import ArgumentParser
import Foundation
import MailroomCleaner
import MailroomCore

struct CleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract: "Clean emails (dataset rows or gateway emails): adds clean_text and removed spans to each line.")

    @Option(help: "Input JSONL (body and/or body_html).") var input: String
    @Option(help: "Output JSONL.") var output: String

    func run() throws {
        guard let data = FileManager.default.contents(atPath: input) else { throw CLIError("cannot read \(input)") }
        let cleaner = EmailCleaner()
        var out = Data()
        var n = 0, lineNumber = 0, removedChars = 0
        let start = Date()
        for line in data.split(separator: UInt8(ascii: "\n")) {
            lineNumber += 1
            guard var object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw CLIError("\(input):\(lineNumber): not a JSON object")
            }
            let result = cleaner.clean(text: object["body"] as? String, html: object["body_html"] as? String)
            object["clean_text"] = result.text
            object["removed"] = result.removed.map { ["kind": $0.kind.rawValue, "text": $0.text] }
            if result.inputTruncated { object["clean_input_truncated"] = true }
            removedChars += result.removed.reduce(0) { $0 + $1.text.count }
            out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            out.append(UInt8(ascii: "\n"))
            n += 1
        }
        try out.write(to: URL(fileURLWithPath: output), options: .atomic)
        note("cleaned \(n) emails in \(String(format: "%.2f", Date().timeIntervalSince(start))) s; removed \(removedChars) characters; written to \(output)")
    }
}
