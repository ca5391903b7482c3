// PairedComparison: a candidate and the champion scored on the same held-out rows, per head: accuracy, macro-F1,
// per-class F1 changes, both confusion matrices, and McNemar's paired test with its counts and a minimum sample
// size. Written as comparison.json, comparison.md and comparison.html (the evidence a person approves on).
import Foundation
import MailroomCore

/// One class's F1 for both models on one head.
public struct ClassChange: Codable, Sendable, Equatable {
    public var label: String
    public var support: Int
    public var championF1: Double
    public var candidateF1: Double
}

/// One head of a ``PairedComparison``.
public struct HeadPairedComparison: Codable, Sendable, Equatable {
    public var head: String
    /// Both models' metrics over the same rows and the same label list (the union of both heads' labels and the
    /// rows' true labels), so that their confusion matrices line up.
    public var champion: ClassificationMetrics
    public var candidate: ClassificationMetrics
    public var mcnemar: McNemarTest
    /// ``McNemarTest/verdict(alpha:minimumRows:)`` in words.
    public var verdict: String
    public var perClass: [ClassChange]
    /// True labels of these rows that the champion's head does not have (new classes: it cannot get them right).
    public var labelsNewToChampion: [String]
    /// Share of the rows on which both models predicted the same label (nil in comparisons written before it).
    public var agreement: Double?
}

/// One row both models predicted: the true label and each model's label, per head name.
public struct PairedRow: Sendable, Equatable {
    public var truth: [String: String]
    public var champion: [String: String]
    public var candidate: [String: String]
    public init(truth: [String: String], champion: [String: String], candidate: [String: String]) {
        self.truth = truth; self.champion = champion; self.candidate = candidate
    }
}

public struct PairedComparison: Codable, Sendable, Equatable {
    public var champion: String
    public var candidate: String
    public var rows: Int
    public var alpha: Double
    public var minimumRows: Int
    public var heads: [HeadPairedComparison]
    /// Heads only one of the two models has (not compared).
    public var unpairedHeads: [String]
    /// What the rows are, in words (e.g. "held-out closed cases" or "live closed cases both models predicted").
    public var rowsSource: String?

    /// Scores both models on `rows` (their true labels), head by head.
    /// - Throws: ``EvaluationError`` when there are no rows or a model's output is malformed.
    public static func compare(champion: any TextClassifier, candidate: any TextClassifier, rows: [DatasetRow],
                               alpha: Double = 0.05, minimumRows: Int = 30, batchSize: Int = 64) throws -> PairedComparison {
        guard !rows.isEmpty else { throw EvaluationError.noRows }
        let championLabels = try Evaluator.predictedLabels(classifier: champion, rows: rows, batchSize: batchSize)
        let candidateLabels = try Evaluator.predictedLabels(classifier: candidate, rows: rows, batchSize: batchSize)
        let paired = rows.indices.map { r in
            PairedRow(truth: rows[r].labels,
                      champion: Dictionary(uniqueKeysWithValues: champion.heads.enumerated().map { ($1.name, championLabels[$0][r]) }),
                      candidate: Dictionary(uniqueKeysWithValues: candidate.heads.enumerated().map { ($1.name, candidateLabels[$0][r]) }))
        }
        return compare(champion: champion.version, championHeads: champion.heads, candidate: candidate.version,
                       candidateHeads: candidate.heads, rows: paired, alpha: alpha, minimumRows: minimumRows,
                       rowsSource: "held-out rows, scored by both models")
    }

    /// Compares two models' recorded predictions on the same rows (a shadow run on live traffic, or the offline
    /// scores above). A head is scored on the rows that have its true label and both models' labels for it.
    public static func compare(champion: String, championHeads: [HeadSpec], candidate: String, candidateHeads: [HeadSpec],
                               rows: [PairedRow], alpha: Double = 0.05, minimumRows: Int = 30,
                               rowsSource: String) -> PairedComparison {
        var heads: [HeadPairedComparison] = []
        for head in candidateHeads {
            guard let championHead = championHeads.first(where: { $0.name == head.name }) else { continue }
            var truth: [String] = [], a: [String] = [], b: [String] = []
            for row in rows {
                guard let t = row.truth[head.name], let x = row.champion[head.name], let y = row.candidate[head.name] else { continue }
                truth.append(t); a.append(x); b.append(y)
            }
            guard !truth.isEmpty else { continue }
            var labels = championHead.labels
            for l in head.labels + truth.sorted() + a.sorted() + b.sorted() where !labels.contains(l) { labels.append(l) }
            let ma = ClassificationMetrics.compute(truth: truth, predicted: a, labels: labels)
            let mb = ClassificationMetrics.compute(truth: truth, predicted: b, labels: labels)
            let test = McNemarTest(championCorrect: zip(truth, a).map { $0 == $1 }, candidateCorrect: zip(truth, b).map { $0 == $1 })
            let perClass = labels.indices.compactMap { i -> ClassChange? in
                let support = ma.perClass[i].support
                guard support > 0 || mb.confusion.indices.contains(where: { mb.confusion[$0][i] > 0 }) else { return nil }
                return ClassChange(label: labels[i], support: support, championF1: ma.perClass[i].f1, candidateF1: mb.perClass[i].f1)
            }
            heads.append(HeadPairedComparison(
                head: head.name, champion: ma, candidate: mb, mcnemar: test,
                verdict: test.verdict(alpha: alpha, minimumRows: minimumRows).description, perClass: perClass,
                labelsNewToChampion: Set(truth).subtracting(championHead.labels).sorted(),
                agreement: Double(zip(a, b).filter { $0 == $1 }.count) / Double(truth.count)))
        }
        let unpaired = Set(championHeads.map(\.name)).symmetricDifference(candidateHeads.map(\.name)).sorted()
        return PairedComparison(champion: champion, candidate: candidate, rows: rows.count, alpha: alpha,
                                minimumRows: minimumRows, heads: heads, unpairedHeads: unpaired, rowsSource: rowsSource)
    }

    /// One line per head: both accuracies and macro-F1s, agreement, McNemar's counts and verdict (what a person
    /// reads before approving).
    public func summaryLines() -> [String] {
        heads.map { h in
            "\(h.head): accuracy \(f3(h.champion.accuracy)) → \(f3(h.candidate.accuracy)), macro-F1 \(f3(h.champion.macro.f1)) → "
                + "\(f3(h.candidate.macro.f1))" + (h.agreement.map { ", agreement \(f3($0))" } ?? "")
                + ", b=\(h.mcnemar.championOnly) c=\(h.mcnemar.candidateOnly) p=\(String(format: "%.4g", h.mcnemar.pValue)) (\(h.mcnemar.rows) rows): \(h.verdict)"
        }
    }

    public func markdown() -> String {
        var out = "# Candidate \(candidate) against champion \(champion)\n\n"
        out += "\(rows) \(rowsSource ?? "held-out rows, scored by both models"). McNemar's exact test per head (α = \(alpha), at least \(minimumRows) rows for a verdict); "
        out += "b = rows only the champion got right, c = rows only the candidate got right.\n\n"
        out += "| head | rows | accuracy champion | accuracy candidate | macro-F1 champion | macro-F1 candidate | agreement | b | c | p | verdict |\n"
        out += "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        for h in heads {
            out += "| \(h.head) | \(h.mcnemar.rows) | \(f3(h.champion.accuracy)) | \(f3(h.candidate.accuracy)) | "
                + "\(f3(h.champion.macro.f1)) | \(f3(h.candidate.macro.f1)) | \(h.agreement.map(f3) ?? "-") | \(h.mcnemar.championOnly) | \(h.mcnemar.candidateOnly) | "
                + "\(String(format: "%.4g", h.mcnemar.pValue)) | \(h.verdict) |\n"
        }
        if !unpairedHeads.isEmpty { out += "\nHeads only one model has (not compared): \(unpairedHeads.joined(separator: ", ")).\n" }
        for h in heads {
            out += "\n## \(h.head)\n\n"
            if !h.labelsNewToChampion.isEmpty {
                out += "Labels new to the champion (it cannot predict them): \(h.labelsNewToChampion.joined(separator: ", ")).\n\n"
            }
            out += "| label | support | F1 champion | F1 candidate | change |\n|---|---:|---:|---:|---:|\n"
            for c in h.perClass {
                out += "| \(c.label) | \(c.support) | \(f3(c.championF1)) | \(f3(c.candidateF1)) | \(String(format: "%+.3f", c.candidateF1 - c.championF1)) |\n"
            }
        }
        return out
    }

    public func html() -> String {
        var out = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(escape(candidate)) vs \(escape(champion))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
        th:first-child,td:first-child{text-align:left}.pair{display:flex;gap:2em;flex-wrap:wrap}svg text{font-size:11px}
        </style></head><body>
        <h1>Candidate <code>\(escape(candidate))</code> against champion <code>\(escape(champion))</code></h1>
        <p>\(rows) \(escape(rowsSource ?? "held-out rows, scored by both models")); McNemar's exact test per head (α = \(alpha), at least \(minimumRows) rows for a verdict).
        b: only the champion right; c: only the candidate right.</p>
        <table><tr><th>head</th><th>rows</th><th>accuracy champion</th><th>accuracy candidate</th><th>macro-F1 champion</th><th>macro-F1 candidate</th><th>agreement</th><th>b</th><th>c</th><th>p</th><th>verdict</th></tr>

        """
        for h in heads {
            out += "<tr><td>\(escape(h.head))</td><td>\(h.mcnemar.rows)</td><td>\(f3(h.champion.accuracy))</td><td>\(f3(h.candidate.accuracy))</td>"
                + "<td>\(f3(h.champion.macro.f1))</td><td>\(f3(h.candidate.macro.f1))</td><td>\(h.agreement.map(f3) ?? "-")</td><td>\(h.mcnemar.championOnly)</td>"
                + "<td>\(h.mcnemar.candidateOnly)</td><td>\(String(format: "%.4g", h.mcnemar.pValue))</td><td>\(escape(h.verdict))</td></tr>\n"
        }
        out += "</table>\n"
        for h in heads {
            out += "<h2>Head <code>\(escape(h.head))</code></h2>\n<table><tr><th>label</th><th>support</th><th>F1 champion</th><th>F1 candidate</th><th>change</th></tr>\n"
            for c in h.perClass {
                out += "<tr><td>\(escape(c.label))</td><td>\(c.support)</td><td>\(f3(c.championF1))</td><td>\(f3(c.candidateF1))</td>"
                    + "<td>\(String(format: "%+.3f", c.candidateF1 - c.championF1))</td></tr>\n"
            }
            out += "</table>\n<div class=\"pair\"><div><h3>Champion</h3>\(EvaluationReport.heatMap(h.champion))</div>"
                + "<div><h3>Candidate</h3>\(EvaluationReport.heatMap(h.candidate))</div></div>\n"
        }
        return out + "</body></html>\n"
    }

    /// Writes `stem`.json, `stem`.md and `stem`.html into `directory` (created if missing).
    public func write(to directory: String, stem: String = "comparison") throws {
        try writeReportFiles(self, markdown: markdown(), html: html(), to: directory, stem: (stem, stem))
    }
}
