// FeedbackTrends+HTML: `mailroom feedback report --html`: one self-contained page (inline SVG line charts, no
// JavaScript, no external assets) of quality over time per head and model version, served and shadow as separate
// lines. It shows only versions, heads, labels, languages and figures: never an email's subject or text.
import Foundation
import MailroomCore

extension FeedbackTrends {
    /// Most labels (or languages) drawn as their own line in a mix chart; the rest are summed as `other`.
    public static let maxMixLines = 8

    /// The page. `table` is the all-time table of `mailroom feedback report` (per version and head).
    public func html(table: [VersionHeadReport]) -> String {
        var out = HTMLPage.head(title: "Mailroom feedback report") + """
        <h1>Feedback report</h1>
        <p>\(caseCount) closed cases (served and shadow predictions), \(periods.count) \(period.rawValue)s from \
        \(periods.first.map(htmlEscape) ?? "–") to \(periods.last.map(htmlEscape) ?? "–") (UTC; a case's time is its \
        closed_at, else when it was recorded). A period without cases is a gap in its line.</p>
        <h2>All time</h2>
        <table><tr><th>model_version</th><th>head</th><th>cases</th><th>accuracy</th><th>macro-F1</th></tr>

        """
        for r in table {
            out += "<tr><td>\(htmlEscape(r.modelVersion))</td><td>\(htmlEscape(r.head))</td><td>\(r.cases)</td>"
                + "<td>\(SVGLineChart.format(r.accuracy))</td><td>\(SVGLineChart.format(r.macroF1))</td></tr>\n"
        }
        out += "</table>\n<h2>Routing and input</h2>\n"
        out += chart("Review rate (share of served cases flagged for review)", key: "review", lines: lines.filter { !$0.shadow }) { $0.reviewRate }
        out += mixChart("Input language share (served cases)", key: "language") { $0.traffic.languages }
        out += mixChart("Input length share (model text, Unicode scalars)", key: "length", order: TrafficProfile.lengthBuckets.map(\.name)) { $0.traffic.lengths }
        for head in heads {
            out += "<h2>Head <code>\(htmlEscape(head))</code></h2>\n"
            out += chart("Accuracy", key: "accuracy|\(head)", lines: lines) { $0.scores[head]?.accuracy }
            out += chart("Macro-F1", key: "macro_f1|\(head)", lines: lines) { $0.scores[head]?.macro.f1 }
            out += chart("Mean confidence", key: "mean_confidence|\(head)", lines: lines) { $0.traffic.heads[head]?.meanConfidence }
            let profiled = lines.filter { profiles[$0.modelVersion]?.heads[head] != nil }
            out += chart("PSI of predicted labels vs validation", key: "label_psi|\(head)", lines: profiled, yTop: nil) { s in
                profiles[s.modelVersion].flatMap { s.traffic.drift(against: $0)[head]?.labels }
            }
            out += chart("PSI of the confidence histogram vs validation", key: "confidence_psi|\(head)", lines: profiled, yTop: nil) { s in
                profiles[s.modelVersion].flatMap { s.traffic.drift(against: $0)[head]?.confidence }
            }
            out += mixChart("Predicted-label share (served cases)", key: "labels|\(head)") { $0.traffic.heads[head]?.labels ?? [:] }
        }
        return out + "</body></html>\n"
    }

    /// A chart with one line per version and role.
    private func chart(_ title: String, key: String, lines: [Line], yTop: Double? = 1,
                       _ value: @escaping (QualitySummary) -> Double?) -> String {
        let series = lines.map { line in
            SVGLineChart.Series(name: "\(line.modelVersion) (\(line.role))", key: "\(key)|\(line.modelVersion)|\(line.role)",
                                values: values(line, value))
        }.filter { $0.values.contains { $0 != nil } }
        return SVGLineChart(title: title, xLabels: periods, series: series, yTop: yTop).html()
    }

    /// A chart with one line per bin of the served traffic's `counts` (the largest ``maxMixLines`` − 1, then `other`).
    private func mixChart(_ title: String, key: String, order: [String]? = nil,
                          _ counts: (QualitySummary) -> [String: Int]) -> String {
        var total: [String: Int] = [:]
        for s in traffic.values { total.merge(counts(s)) { $0 + $1 } }
        let kept = TrafficProfile.cappedShares(total, limit: Self.maxMixLines).keys
        let bins = order?.filter(kept.contains) ?? kept.sorted { ($0 == "other" ? 1 : 0, $0) < ($1 == "other" ? 1 : 0, $1) }
        func bin(of key: String) -> String { kept.contains(key) ? key : "other" }
        let series = bins.map { name in
            SVGLineChart.Series(name: name, key: "\(key)|\(name)", values: periods.indices.map { i -> Double? in
                guard let c = traffic[i].map(counts) else { return nil }
                let n = c.values.reduce(0, +)
                guard n > 0 else { return nil }
                return Double(c.filter { bin(of: $0.key) == name }.values.reduce(0, +)) / Double(n)
            })
        }
        return SVGLineChart(title: title, xLabels: periods, series: series).html()
    }
}
