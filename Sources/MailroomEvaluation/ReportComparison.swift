// ReportComparison: compares two evaluation reports head by head (e.g. a candidate model against the current one).
import Foundation
import MailroomCore

/// One head's scores in two reports.
public struct HeadComparison: Sendable, Equatable {
    public var head: String
    /// Accuracy and macro-F1 in the baseline report (nil when it lacks the head) and in the candidate report.
    public var baselineAccuracy: Double?
    public var candidateAccuracy: Double?
    public var baselineMacroF1: Double?
    public var candidateMacroF1: Double?

    /// Candidate minus baseline macro-F1, when both have the head.
    public var macroF1Change: Double? {
        guard let b = baselineMacroF1, let c = candidateMacroF1 else { return nil }
        return c - b
    }
}

/// Compares a candidate report with a baseline report.
public enum ReportComparison {
    /// Per head of either report (baseline heads first), both reports' accuracy and macro-F1.
    public static func compare(baseline: EvaluationReport, candidate: EvaluationReport) -> [HeadComparison] {
        var names = baseline.heads.map(\.name)
        for h in candidate.heads where !names.contains(h.name) { names.append(h.name) }
        return names.map { name in
            let b = baseline[head: name]?.metrics, c = candidate[head: name]?.metrics
            return HeadComparison(head: name, baselineAccuracy: b?.accuracy, candidateAccuracy: c?.accuracy,
                                  baselineMacroF1: b?.macro.f1, candidateMacroF1: c?.macro.f1)
        }
    }

    /// A Markdown table of ``compare(baseline:candidate:)``.
    public static func markdown(baseline: EvaluationReport, candidate: EvaluationReport) -> String {
        func v(_ x: Double?) -> String { x.map(f3) ?? "–" }
        var out = "| head | accuracy \(baseline.modelVersion) | accuracy \(candidate.modelVersion) | "
            + "macro-F1 \(baseline.modelVersion) | macro-F1 \(candidate.modelVersion) | change |\n|---|---|---|---|---|---|\n"
        for c in compare(baseline: baseline, candidate: candidate) {
            out += "| \(c.head) | \(v(c.baselineAccuracy)) | \(v(c.candidateAccuracy)) | \(v(c.baselineMacroF1)) | "
                + "\(v(c.candidateMacroF1)) | \(c.macroF1Change.map { String(format: "%+.3f", $0) } ?? "–") |\n"
        }
        return out
    }
}
