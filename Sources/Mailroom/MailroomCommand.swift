// mailroom: the operator CLI (train, predict, evaluate, clean, sample data, feedback reports, the topology).
import ArgumentParser
import Foundation
import MailroomTransformer

@main
enum MailroomEntry {
    static func main() async {
        // OpenBLAS picks its kernels when it loads: restart once with the best kernels for this CPU if it would not.
        BLASRuntime.reexecWithBetterKernelsIfNeeded()
        await MailroomCommand.main()
    }
}

struct MailroomCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mailroom",
        abstract: "Mailroom: email triage for client-success teams.",
        subcommands: [
            TrainCommand.self, PredictCommand.self, EvaluateCommand.self, CleanCommand.self, SampleCommand.self,
            TokenizeCommand.self, BenchCommand.self, FeedbackCommand.self, RegistryCommand.self, TopologyCommand.self, QuantizeCommand.self, JournalCommand.self, APIKeyCommand.self, CurveCommand.self, RetrainCommand.self, DemoCommand.self,
        ])
}

/// Fails a command with one readable line (ArgumentParser prints `Error: <message>`).
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Writes a line to stderr (progress and notes; stdout stays for results).
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
