// SVGLineChart: an inline SVG line chart for the self-contained HTML reports (no JavaScript, no external assets):
// one series per line, periods on x, a gap where a series has no value, a legend, and the values as text.
import Foundation
import MailroomCore

struct SVGLineChart {
    struct Series {
        /// The legend text.
        var name: String
        /// A stable key (`data-series`), e.g. `accuracy|intent|v1|served`.
        var key: String
        /// One value per x label; nil: a gap.
        var values: [Double?]
    }

    var title: String
    var xLabels: [String]
    var series: [Series]
    /// The y axis range; nil upper bound: from the data (at least `minimumTop`).
    var yBottom = 0.0
    var yTop: Double? = 1
    var minimumTop = 0.3

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]
    // Plot geometry, in SVG user units (px).
    static let width = 720.0, height = 240.0, left = 48.0, right = 12.0, top = 12.0, bottom = 44.0

    /// A value with 4 decimals, as the page shows it (`–` for none).
    static func format(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "–" }

    func svg() -> String {
        let w = Self.width, h = Self.height
        let plotW = w - Self.left - Self.right, plotH = h - Self.top - Self.bottom
        let top = yTop ?? max(minimumTop, series.flatMap { $0.values.compactMap { $0 } }.max() ?? 0)
        let span = max(top - yBottom, 1e-9)
        func x(_ i: Int) -> Double { Self.left + (xLabels.count <= 1 ? plotW / 2 : plotW * Double(i) / Double(xLabels.count - 1)) }
        func y(_ v: Double) -> Double { Self.top + plotH * (1 - (min(max(v, yBottom), top) - yBottom) / span) }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" role=\"img\" aria-label=\"\(htmlEscape(title))\">\n"
        // Axes, grid and labels.
        for k in 0...4 {
            let v = yBottom + span * Double(k) / 4
            s += "<line x1=\"\(n(Self.left))\" y1=\"\(n(y(v)))\" x2=\"\(n(w - Self.right))\" y2=\"\(n(y(v)))\" stroke=\"#e5e5e5\"/>"
            s += "<text x=\"\(n(Self.left - 4))\" y=\"\(n(y(v) + 4))\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>\n"
        }
        let step = max(1, Int((Double(xLabels.count) / 8).rounded(.up)))
        for (i, label) in xLabels.enumerated() where i % step == 0 {
            s += "<text x=\"\(n(x(i)))\" y=\"\(n(h - Self.bottom + 16))\" text-anchor=\"middle\">\(htmlEscape(label))</text>\n"
        }
        // One group per series: a polyline per run of consecutive values (a gap breaks the line), a dot per value.
        for (k, series) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            s += "<g class=\"series\" data-series=\"\(htmlEscape(series.key))\" data-values=\"\(series.values.map(Self.format).joined(separator: " "))\">\n"
            var run: [String] = []
            func flush() {
                if run.count > 1 { s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(run.joined(separator: " "))\"/>\n" }
                run = []
            }
            for (i, v) in series.values.enumerated() {
                guard let v else { flush(); continue }
                run.append("\(n(x(i))),\(n(y(v)))")
                s += "<circle cx=\"\(n(x(i)))\" cy=\"\(n(y(v)))\" r=\"3\" fill=\"\(colour)\"><title>\(htmlEscape(series.name)) \(htmlEscape(xLabels[i])): \(Self.format(v))</title></circle>\n"
            }
            flush()
            s += "</g>\n"
        }
        // Legend, under the x labels.
        var lx = Self.left
        for (k, series) in series.enumerated() {
            let colour = Self.palette[k % Self.palette.count]
            s += "<rect x=\"\(n(lx))\" y=\"\(n(h - 14))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(n(lx + 14))\" y=\"\(n(h - 5))\">\(htmlEscape(series.name))</text>\n"
            lx += 24 + Double(series.name.count) * 6.5
        }
        return s + "</svg>"
    }

    /// The chart with a title and its values as a table (readable without the picture, and by tests).
    func html() -> String {
        var out = "<h3>\(htmlEscape(title))</h3>\n"
        guard !series.isEmpty, !xLabels.isEmpty else { return out + "<p>No data.</p>\n" }
        out += svg() + "\n<details><summary>values</summary><table><tr><th>series</th>"
        out += xLabels.map { "<th>\(htmlEscape($0))</th>" }.joined() + "</tr>\n"
        for s in series {
            out += "<tr><td>\(htmlEscape(s.name))</td>" + s.values.map { "<td>\(Self.format($0))</td>" }.joined() + "</tr>\n"
        }
        return out + "</table></details>\n"
    }
}
