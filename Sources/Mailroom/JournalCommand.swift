// mailroom journal status|failed: what a gateway replica's intake journal holds, and its dead letters.
import ArgumentParser
import Foundation
import MailroomStore

struct JournalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal", abstract: "A gateway's intake journal: counts per state and the dead letters.",
        subcommands: [Status.self, Failed.self])

    struct Options: ParsableArguments {
        @Option(help: "The gateway's journal (its --journal): a SQLite file (`journal_dir` in the topology) or a postgres:// URL.")
        var journal: String = ".mailroom/journal/gateway-0.sqlite"
        @Option(help: "Which gateway replica's emails, in a journal on a PostgreSQL server.")
        var replica = 0

        func open() throws -> IntakeJournal {
            let location = StoreLocation(journal)
            guard location.mayExist else {
                throw CLIError("no journal at \(journal); start the topology (the gateway creates it) or pass --journal")
            }
            return try IntakeJournal(path: journal, owner: "gateway-\(replica)")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Emails per state (pending, done, failed).")
        @OptionGroup var options: Options

        func run() throws {
            let counts = try options.open().counts()
            for state in [IntakeState.pending, .done, .failed] { print("\(state.rawValue)\t\(counts[state] ?? 0)") }
        }
    }

    struct Failed: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The dead letters, newest first: id, attempts, when, why. Re-submit one with POST /v1/emails.")
        @OptionGroup var options: Options
        @Option(help: "Most rows to print.") var limit = 100
        @Flag(help: "Print JSON lines instead of a table.") var json = false

        func run() throws {
            let rows = try options.open().failed(limit: limit)
            guard !rows.isEmpty else { print("no dead letters"); return }
            let format = ISO8601DateFormatter()
            for row in rows {
                let at = format.string(from: Date(timeIntervalSince1970: Double(row.atUnixMs) / 1000))
                if json {
                    let object: [String: Any] = ["id": row.id, "attempts": row.attempts, "failed_at": at, "reason": row.reason]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    print("\(row.id.debugDescription)\t\(row.attempts)\t\(at)\t\(row.reason)")
                }
            }
        }
    }
}
