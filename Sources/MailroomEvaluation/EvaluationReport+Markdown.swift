// EvaluationReport+Markdown: readable report.md tables (summary, sklearn-style classification report, confusion matrix).
import Foundation
import MailroomCore

extension EvaluationReport {
    /// The report as Markdown: a summary per head, then per head a classification report and a confusion matrix.
    public func markdown() -> String {
        var out = "# Evaluation report\n\n"
        out += "Model `\(modelVersion)` (kind \(modelKind)), \(rowCount) rows, "
            + "\(String(format: "%.2f", seconds)) s classifying (\(String(format: "%.1f", seconds > 0 ? Double(rowCount) / seconds : 0)) rows/s).\n\n"
        out += "## Summary\n\n| head | rows | accuracy | macro P | macro R | macro F1 | weighted F1 |\n|---|---|---|---|---|---|---|\n"
        for h in heads {
            let m = h.metrics
            out += "| \(h.name) | \(m.count) | \(f3(m.accuracy)) | \(f3(m.macro.precision)) | \(f3(m.macro.recall)) | "
                + "\(f3(m.macro.f1)) | \(f3(m.weighted.f1)) |\n"
        }
        for h in heads {
            out += "\n## Head `\(h.name)`\n\n"
            if h.rowsWithoutLabel > 0 { out += "\(h.rowsWithoutLabel) rows had no `\(h.name)` label and were skipped.\n\n" }
            if !h.unknownLabels.isEmpty {
                out += "Labels the model cannot predict: \(h.unknownLabels.map { "`\($0)`" }.joined(separator: ", ")).\n\n"
            }
            out += "### Classification report\n\n```\n\(classificationReport(h.metrics))```\n\n"
            out += "### Confusion matrix (rows: truth, columns: prediction)\n\n"
            out += confusionTable(h.metrics)
            if let c = h.confidence { out += "\n" + c.markdown() }
        }
        return out
    }

    /// A fixed-width table like scikit-learn's `classification_report`.
    func classificationReport(_ m: ClassificationMetrics) -> String {
        let width = max(12, (m.labels.map(\.count).max() ?? 0) + 2)
        func row(_ name: String, _ c: ClassMetrics) -> String {
            pad(name, width) + [c.precision, c.recall, c.f1].map { lpad(f3($0), 10) }.joined() + lpad("\(c.support)", 10) + "\n"
        }
        var out = pad("", width) + ["precision", "recall", "f1-score", "support"].map { lpad($0, 10) }.joined() + "\n\n"
        for (label, c) in zip(m.labels, m.perClass) { out += row(label, c) }
        out += "\n" + pad("accuracy", width) + lpad("", 20) + lpad(f3(m.accuracy), 10) + lpad("\(m.count)", 10) + "\n"
        out += row("macro avg", m.macro) + row("weighted avg", m.weighted)
        return out
    }

    /// A Markdown table of the confusion matrix; labels are numbered so wide label sets stay readable.
    func confusionTable(_ m: ClassificationMetrics) -> String {
        var out = "| truth \\ predicted | " + m.labels.indices.map { "\($0 + 1)" }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: m.labels.count) + "\n"
        for (t, label) in m.labels.enumerated() {
            out += "| \(t + 1). \(label) | " + m.confusion[t].map { $0 == 0 ? "·" : "\($0)" }.joined(separator: " | ") + " |\n"
        }
        return out
    }
}

func f3(_ x: Double) -> String { String(format: "%.3f", x) }
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
