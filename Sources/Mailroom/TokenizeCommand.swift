// mailroom tokenize: prints the token ids a transformer model reads for each input line.
import ArgumentParser
import Foundation
import MailroomCore
import MailroomTransformer

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize", abstract: "Print {\"id\",\"input_ids\"} per input line, as the transformer model reads it.")

    @Option(help: "Transformer model directory.") var model: String
    @Option(help: "Input JSONL (id, subject, body).") var input: String

    func run() throws {
        let classifier = try TransformerClassifier.load(directory: model, threads: 1)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        struct Line: Encodable { var id: String; var input_ids: [Int] }
        for e in try JSONL.read(Email.self, from: input) {
            let ids = classifier.tokenize(modelText(subject: e.subject, body: e.body ?? ""))
            print(String(decoding: try encoder.encode(Line(id: e.id, input_ids: ids)), as: UTF8.self))
        }
    }
}
