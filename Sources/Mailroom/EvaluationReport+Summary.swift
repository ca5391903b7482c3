// EvaluationReport+Summary: the short per-head table `mailroom train` and `mailroom evaluate` print.
import Foundation
import MailroomEvaluation

extension EvaluationReport {
    func summaryTable() -> String {
        var out = "head".padding(toLength: 22, withPad: " ", startingAt: 0) + "accuracy  macro-F1  weighted-F1  rows\n"
        for h in heads {
            out += h.name.padding(toLength: 22, withPad: " ", startingAt: 0)
                + String(format: "%8.3f  %8.3f  %11.3f  %d\n", h.metrics.accuracy, h.metrics.macro.f1, h.metrics.weighted.f1, h.metrics.count)
        }
        return out + String(format: "mean macro-F1 %.3f (%@ %@, %d rows)", meanMacroF1, modelKind, modelVersion, rowCount)
    }
}
