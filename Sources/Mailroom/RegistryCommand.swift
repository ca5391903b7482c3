// mailroom registry: register, review (approve/reject), promote and roll back model versions.
import ArgumentParser
import Foundation
import MailroomEvaluation
import MailroomRegistry

struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Model versions: register, approve or reject, promote, roll back.",
        subcommands: [Register.self, List.self, Show.self, Approve.self, Reject.self, Promote.self, Rollback.self])

    struct Location: ParsableArguments {
        @Option(help: "Registry directory.") var registry: String = ".mailroom/registry"
        func open() throws -> ModelRegistry { try ModelRegistry(directory: registry) }
    }

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a trained model directory as a pending version.")
        @OptionGroup var location: Location
        @Option(help: "Model directory written by `mailroom train`.") var model: String
        @Option(help: "Who registers it.") var by: String = NSUserName()
        func run() throws {
            let r = try location.open().register(modelDirectory: model, by: by)
            print("registered \(r.version) (\(r.kind)) as pending; approve it with `mailroom registry approve \(r.version) --by NAME`")
            printFigures(r)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every version with its status and mean validation macro-F1.")
        @OptionGroup var location: Location
        func run() throws {
            let registry = try location.open()
            let serving = registry.serving().current
            let records = try registry.list()
            guard !records.isEmpty else { print("no versions registered in \(location.registry)"); return }
            print("  " + "version".padding(toLength: 32, withPad: " ", startingAt: 0) + "kind".padding(toLength: 13, withPad: " ", startingAt: 0) + "status    mean macro-F1  registered")
            for r in records {
                let f1 = r.metrics.isEmpty ? "-" : String(format: "%.3f", EvaluationReport.meanMacroF1(r.metrics.keys.sorted().map { r.metrics[$0]!.macroF1 }))
                print((r.version == serving ? "* " : "  ") + r.version.padding(toLength: 32, withPad: " ", startingAt: 0)
                      + r.kind.padding(toLength: 13, withPad: " ", startingAt: 0) + r.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + f1.padding(toLength: 15, withPad: " ", startingAt: 0) + r.registeredAt)
            }
            print("(* = served)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Everything recorded about one version (JSON), then the evidence `mailroom retrain` attached (comparison with the champion, label changes).")
        @OptionGroup var location: Location
        @Argument var version: String
        func run() throws {
            let registry = try location.open()
            let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try e.encode(try registry.record(version)), as: UTF8.self))
            let evidence = (registry.modelDirectory(of: version) as NSString).appendingPathComponent("evidence")
            for name in ["comparison.md", "label-changes.md"] {
                if let text = try? String(contentsOfFile: (evidence as NSString).appendingPathComponent(name), encoding: .utf8) {
                    print("\n" + text)
                }
            }
            if FileManager.default.fileExists(atPath: (evidence as NSString).appendingPathComponent("comparison.html")) {
                note("the comparison as HTML, with both confusion matrices per head: \(evidence)/comparison.html")
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a pending version (records who and why).")
        @OptionGroup var location: Location
        @Argument var version: String
        @Option(help: "Who approves.") var by: String
        @Option(help: "Why.") var reason: String?
        func run() throws {
            _ = try location.open().approve(version, by: by, reason: reason)
            print("\(version) approved by \(by); serve it with `mailroom registry promote \(version)`")
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a pending version (records who and why).")
        @OptionGroup var location: Location
        @Argument var version: String
        @Option(help: "Who rejects.") var by: String
        @Option(help: "Why.") var reason: String?
        func run() throws {
            _ = try location.open().reject(version, by: by, reason: reason)
            print("\(version) rejected by \(by)")
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve an approved version; running classifiers switch without a restart.")
        @OptionGroup var location: Location
        @Argument var version: String
        @Option(help: "Who promotes.") var by: String = NSUserName()
        func run() throws {
            let s = try location.open().promote(version, by: by)
            print("serving \(s.current ?? "-") (previous: \(s.history.last ?? "none"))")
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the previously served version again.")
        @OptionGroup var location: Location
        @Option(help: "Who rolls back.") var by: String = NSUserName()
        @Option(help: "Why.") var reason: String?
        func run() throws {
            let s = try location.open().rollback(by: by, reason: reason)
            print("serving \(s.current ?? "-") again")
        }
    }
}

func printFigures(_ r: VersionRecord) {
    for (head, f) in r.metrics.sorted(by: { $0.key < $1.key }) {
        print("  \(head): accuracy \(String(format: "%.3f", f.accuracy)), macro-F1 \(String(format: "%.3f", f.macroF1))")
    }
    if let t = r.training { print("  data \(t.dataPath) (\(t.dataRows) rows, sha256 \(t.dataSHA256.prefix(12))…)") }
}
