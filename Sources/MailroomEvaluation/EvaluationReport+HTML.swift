// EvaluationReport+HTML: a self-contained report.html with a confusion-matrix heat map (inline SVG) per head.
import Foundation
import MailroomCore

extension EvaluationReport {
    /// The report as one HTML page with no external resources.
    public func html() -> String {
        var out = HTMLPage.head(title: "Evaluation \(modelVersion)") + """
        <h1>Evaluation report</h1>
        <p>Model <code>\(escape(modelVersion))</code> (kind \(escape(modelKind))), \(rowCount) rows.</p>
        <h2>Summary</h2>
        <table><tr><th>head</th><th>rows</th><th>accuracy</th><th>macro precision</th><th>macro recall</th><th>macro F1</th><th>weighted F1</th></tr>

        """
        for h in heads {
            let m = h.metrics
            out += "<tr><td>\(escape(h.name))</td><td>\(m.count)</td><td>\(f3(m.accuracy))</td><td>\(f3(m.macro.precision))</td>"
                + "<td>\(f3(m.macro.recall))</td><td>\(f3(m.macro.f1))</td><td>\(f3(m.weighted.f1))</td></tr>\n"
        }
        out += "</table>\n"
        for h in heads {
            let m = h.metrics
            out += "<h2>Head <code>\(escape(h.name))</code></h2>\n<table><tr><th>label</th><th>precision</th><th>recall</th><th>f1</th><th>support</th></tr>\n"
            for (label, c) in zip(m.labels, m.perClass) {
                out += "<tr><td>\(escape(label))</td><td>\(f3(c.precision))</td><td>\(f3(c.recall))</td><td>\(f3(c.f1))</td><td>\(c.support)</td></tr>\n"
            }
            out += "</table>\n<h3>Confusion matrix</h3>\n<p>Rows: truth; columns: prediction; colour: share of the true class.</p>\n"
            out += Self.heatMap(m) + "\n"
            if let c = h.confidence { out += c.html() }
        }
        return out + "</body></html>\n"
    }

    /// An SVG heat map of `m.confusion`, each row shaded by its share of the row's total; column labels rotated.
    static func heatMap(_ m: ClassificationMetrics) -> String {
        let n = m.labels.count
        let cell = n > 30 ? 14 : n > 12 ? 24 : 40
        let longest = m.labels.map(\.count).max() ?? 1
        let left = min(320, 12 + longest * 7), top = min(260, 16 + Int(Double(longest * 7) * 0.75))
        let width = left + n * cell + top, height = top + n * cell + 20   // rotated labels reach right by ≈ top
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"confusion matrix\">\n"
        for (p, label) in m.labels.enumerated() {
            let x = left + p * cell + cell / 2
            s += "<text transform=\"translate(\(x),\(top - 6)) rotate(-45)\" text-anchor=\"start\">\(escape(label))</text>\n"
        }
        for (t, label) in m.labels.enumerated() {
            let y = top + t * cell
            s += "<text x=\"\(left - 6)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\">\(escape(label))</text>\n"
            let total = max(1, m.confusion[t].reduce(0, +))
            for p in 0..<n {
                let v = m.confusion[t][p]
                let share = Double(v) / Double(total)
                let light = Int(97 - 60 * share)       // 97 % (near white) → 37 % lightness
                let hue = t == p ? 210 : 10            // blue diagonal, red errors
                s += "<rect x=\"\(left + p * cell)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" "
                    + "fill=\"hsl(\(hue),70%,\(light)%)\" stroke=\"#fff\"><title>\(escape(label)) → \(escape(m.labels[p])): \(v)</title></rect>\n"
                if v > 0 && cell >= 24 {
                    s += "<text x=\"\(left + p * cell + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" "
                        + "fill=\"\(share > 0.5 ? "#fff" : "#222")\">\(v)</text>\n"
                }
            }
        }
        return s + "</svg>"
    }

    /// Writes metrics.json, report.md and report.html into `directory` (created if missing).
    public func write(to directory: String) throws {
        try writeReportFiles(self, markdown: markdown(), html: html(), to: directory, stem: ("metrics", "report"))
    }

    /// Reads a metrics.json written by ``write(to:)``.
    public static func read(from path: String) throws -> EvaluationReport {
        try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// Writes `STEM.json` (pretty, sorted keys), `REPORT.md` and `REPORT.html` into `directory` (created if missing).
func writeReportFiles<T: Encodable>(_ value: T, markdown: String, html: String, to directory: String,
                                    stem: (json: String, report: String)) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    func url(_ name: String) -> URL { URL(fileURLWithPath: (directory as NSString).appendingPathComponent(name)) }
    try encoder.encode(value).write(to: url(stem.json + ".json"), options: .atomic)
    try Data(markdown.utf8).write(to: url(stem.report + ".md"), options: .atomic)
    try Data(html.utf8).write(to: url(stem.report + ".html"), options: .atomic)
}

/// Escapes text for HTML and SVG (``htmlEscape(_:)``).
func escape(_ s: String) -> String { htmlEscape(s) }
