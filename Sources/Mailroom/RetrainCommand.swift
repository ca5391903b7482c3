// mailroom retrain: the next model from the history plus the feedback store's closed cases, trained with the
// champion's recipe, compared with the champion on the most recent closed cases, registered as pending with the
// comparison attached. The same command a schedule runs; a second run at the same time exits with a message.
import ArgumentParser
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomRegistry
import MailroomRetraining
import MailroomTraining

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Train a candidate from history + closed cases with the champion's recipe, compare them on recent closed cases, register it as pending.")

    @Option(help: "The model registry (its served version is the champion).") var registry: String = ".mailroom/registry"
    @Option(help: "The feedback store (closed cases: the agents' labels and the text as served).") var database: String = ".mailroom/feedback.sqlite"
    @Option(help: "The history dataset (JSONL); omit to train on closed cases only.") var history: String?
    @Option(help: "Work directory (default .mailroom/retrain/VERSION): data.jsonl, holdout.jsonl, model/.") var out: String?
    @Option(name: .customLong("model-version"), help: "The candidate's version (default: kind + UTC time).") var modelVersion: String?
    @Option(help: "Hold out the closed cases of the last N days (counted back from the latest case).") var holdoutDays: Double?
    @Option(help: "Else hold out this most recent share of the closed cases.") var holdoutFraction: Double = 0.2
    @Option(help: "Training rows a label new to the champion needs to become a class (else it waits).") var minNewLabelRows: Int = 20
    @Option(help: "Label renames and retirements: lines `HEAD OLD -> NEW` or `HEAD LABEL retired`.") var labelMap: String?
    @Option(help: "Fewest held-out rows of a head for McNemar's test to give a verdict.") var minRows: Int = 30
    @Option(help: "Significance level of McNemar's test.") var alpha: Double = 0.05
    @Option(name: .customLong("set"), help: "Override one of the champion's training parameters, e.g. --set epochs=8 (repeatable).")
    var overrides: [String] = []
    @Option(help: "Train another kind than the champion's (linear or transformer).") var kind: String?
    @Option(help: "Who runs it (recorded in the registry).") var by: String = NSUserName()

    func run() throws {
        guard (0...1).contains(holdoutFraction), holdoutFraction > 0 else { throw CLIError("--holdout-fraction \(holdoutFraction): expected a share in (0, 1]") }
        if let kind, ModelKind(rawValue: kind) == nil { throw CLIError("--kind \(kind): expected linear or transformer") }
        var parameters: [String: String] = [:]
        for o in overrides {
            let parts = o.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw CLIError("--set \(o): expected NAME=VALUE, e.g. epochs=8") }
            parameters[parts[0]] = parts[1]
        }
        let version = modelVersion ?? Retrainer.defaultVersion()
        var request = RetrainRequest(registry: registry, database: database, history: history,
                                     workDirectory: out ?? ".mailroom/retrain/\(version)", version: version, by: by)
        request.options.holdoutDays = holdoutDays
        request.options.holdoutFraction = holdoutFraction
        request.options.minimumNewLabelRows = minNewLabelRows
        if let labelMap { request.options.labelMap = try LabelMap.read(path: labelMap) }
        request.minimumRows = minRows
        request.alpha = alpha
        request.overrides = parameters
        request.kind = kind
        let printer = TrainingProgressPrinter(data: (request.workDirectory as NSString).appendingPathComponent("data.jsonl"),
                                              cleaned: true, selectByCV: false, freezeEncoder: false, version: version)
        let result: (summary: RetrainSummary, comparison: PairedComparison, record: VersionRecord)
        do {
            result = try Retrainer.run(request, progress: { note("retrain: \($0)") }, training: { printer.show($0) })
        } catch {
            // One line for the journal of the scheduled unit; the status file (and /metrics) records it too.
            let reason = "\(error)".replacingOccurrences(of: "\n", with: " ")
            if case RetrainingError.alreadyRunning = error { throw CLIError("retrain refused: \(reason)") }
            throw CLIError("retrain of \(version) failed: \(reason) (recorded in \(RetrainStatus.path(registry: registry)))")
        }
        print(result.comparison.markdown())
        print("## Label changes\n\n" + Retrainer.labelChangesMarkdown(result.summary.labelChanges))
        note("""
            retrain: \(version) is pending. Read its evidence (`mailroom registry show \(version)`, comparison.html in \
            \(registry)/versions/\(version)/model/\(Retrainer.evidenceFolder)), then approve or reject it.
            """)
    }
}
