// mailroom registry: register, review (approve/reject), promote and roll back model versions.
import ArgumentParser
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomRegistry
import MailroomRetraining

struct RegistryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Model versions: register, shadow, compare, approve or reject, promote, roll back.",
        subcommands: [Register.self, List.self, Show.self, Shadow.self, Compare.self, Approve.self, Reject.self, Promote.self,
                      Rollback.self, AutoPromote.self])

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
            let state = registry.serving()
            let serving = state.current
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
            if let s = state.shadow {
                print("in shadow: \(s.version) on \(String(format: "%g", s.sampleRate * 100))% of emails since \(s.since) (by \(s.by))")
            }
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
            let directory = registry.modelDirectory(of: version)
            if let manifest = try? ModelManifest.read(directory: directory),
               let calibration = try ModelCalibration.read(directory: directory, heads: manifest.heads) {
                print("\nCalibration (\(calibration.fittedOn)):")
                for (head, c) in calibration.heads.sorted(by: { $0.key < $1.key }) { print("  \(head): \(c.summary)") }
            }
            let evidence = (registry.modelDirectory(of: version) as NSString).appendingPathComponent("evidence")
            for name in ["comparison.md", "label-changes.md", LiveComparison.stem + ".md"] {
                if let text = try? String(contentsOfFile: (evidence as NSString).appendingPathComponent(name), encoding: .utf8) {
                    print("\n" + text)
                }
            }
            if FileManager.default.fileExists(atPath: (evidence as NSString).appendingPathComponent("comparison.html")) {
                note("the comparison as HTML, with both confusion matrices per head: \(evidence)/comparison.html")
            }
        }
    }

    struct Shadow: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a candidate beside the served model on live traffic (both predictions stored, only the served one routed); --stop ends it.")
        @OptionGroup var location: Location
        @Argument(help: "The candidate (pending or approved). Omit with --stop.") var version: String?
        @Option(help: "Share of emails the candidate also classifies, in (0, 1]; it steps aside while the classifier is busy.")
        var sample: Double = 1
        @Flag(help: "Stop the shadow run.") var stop = false
        @Option(help: "Who starts or stops it.") var by: String = NSUserName()
        func run() throws {
            let registry = try location.open()
            if stop {
                guard version == nil else { throw ValidationError("--stop takes no VERSION: at most one version is in shadow") }
                let (stopped, _) = try registry.stopShadow(by: by)
                print("shadow of \(stopped.version) stopped; its predictions stay in the feedback store")
                return
            }
            guard let version else { throw ValidationError("give the VERSION to shadow, or --stop") }
            let s = try registry.startShadow(version, sampleRate: sample, by: by)
            print("\(version) runs in shadow beside \(s.current ?? "-") on \(String(format: "%g", sample * 100))% of emails; "
                  + "running classifiers pick it up within a second")
            note("compare on closed cases with `mailroom registry compare \(s.current ?? "CHAMPION") \(version)`")
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Two versions on the live closed cases both predicted: agreement, accuracy, macro-F1 per head, McNemar's test with its counts.")
        @OptionGroup var location: Location
        @Argument(help: "The served version (the champion).") var champion: String
        @Argument(help: "The candidate (in shadow).") var candidate: String
        @Option(help: "Feedback database (the feedback-collector's --database).") var database: String = ".mailroom/feedback.sqlite"
        @Option(help: "Significance level of McNemar's test.") var alpha: Double = 0.05
        @Option(help: "Fewest paired rows of a head for a verdict.") var minimumRows: Int = 30
        @Option(help: "Also write NAME.json, NAME.md and NAME.html (side-by-side confusion matrices) into this folder.") var out: String?
        @Flag(help: "Print JSON instead of text.") var json = false
        func run() throws {
            let c = try LiveComparison.compare(registry: try location.open(), database: database, champion: champion,
                                               candidate: candidate, alpha: alpha, minimumRows: minimumRows)
            if let out { try c.write(to: out, stem: LiveComparison.stem); note("written to \(out)/\(LiveComparison.stem).{json,md,html}") }
            if json {
                let e = JSONEncoder(); e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try e.encode(c), as: UTF8.self))
                return
            }
            print(c.markdown())
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a pending version (records who and why), after showing its offline and shadow evidence.")
        @OptionGroup var location: Location
        @Argument var version: String
        @Option(help: "Who approves.") var by: String
        @Option(help: "Why.") var reason: String?
        @Option(help: "Feedback database, for the shadow evidence.") var database: String = ".mailroom/feedback.sqlite"
        func run() throws {
            let registry = try location.open()
            let evidence = try ApprovalEvidence.gather(registry: registry, database: database, version: version)
            if let c = evidence.offline {
                print("offline evidence (\(c.rows) \(c.rowsSource ?? "held-out rows")), against \(c.champion):")
                for line in c.summaryLines() { print("  " + line) }
            } else {
                print("offline evidence: none (registered by hand, not by `mailroom retrain`)")
            }
            if let c = evidence.shadow {
                print("shadow evidence (\(c.rows) live closed cases), against \(c.champion):")
                for line in c.summaryLines() { print("  " + line) }
            } else {
                print("shadow evidence: none (\(evidence.shadowNote ?? "no shadow run"))")
            }
            _ = try registry.approve(version, by: by, reason: reason)
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

    struct AutoPromote: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "auto-promote",
            abstract: "Promote the candidate in shadow if a rule allows it (run it from a [schedule NAME] section; without one, promotion stays a person's).")
        @OptionGroup var location: Location
        @Option(help: "Feedback database (the live closed cases).") var database: String = ".mailroom/feedback.sqlite"
        @Option(help: "Days the candidate must have run in shadow.") var minShadowDays: Double = 7
        @Option(help: "better-everywhere (significantly better on every head) or better-somewhere-worse-nowhere.")
        var require: String = AutoPromotionRule.Requirement.betterEverywhere.rawValue
        @Option(help: "Significance level of McNemar's test.") var alpha: Double = 0.05
        @Option(help: "Fewest paired rows of a head for a verdict.") var minimumRows: Int = 30
        @Flag(help: "Say what would happen; change nothing.") var dryRun = false
        func run() throws {
            var rule = AutoPromotionRule()
            guard let requirement = AutoPromotionRule.Requirement(rawValue: require) else {
                throw ValidationError("--require is one of \(AutoPromotionRule.Requirement.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            rule.requirement = requirement; rule.minimumShadowDays = minShadowDays; rule.alpha = alpha; rule.minimumRows = minimumRows
            let registry = try location.open()
            let decision = try AutoPromotion.decide(registry: registry, database: database, rule: rule)
            for r in decision.reasons { print("  " + r) }
            guard let candidate = decision.candidate else { return }
            guard decision.allowed else { print("\(candidate) stays in shadow: the rule does not allow promoting it"); return }
            if dryRun { print("would promote \(candidate) in place of \(decision.champion ?? "-") (dry run: nothing changed)"); return }
            let s = try AutoPromotion.apply(decision, registry: registry, rule: rule)
            print("promoted \(candidate) by rule (previous: \(s?.history.last ?? "none")); roll back with `mailroom registry rollback`")
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
