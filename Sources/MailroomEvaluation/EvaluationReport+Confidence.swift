// EvaluationReport+Confidence: the confidence part of report.md and report.html — calibration error, a reliability
// diagram and a precision-against-coverage plot per head (inline SVG), with the version's review threshold marked.
import Foundation
import MailroomCore

extension ConfidenceFigures {
    /// One line for report.md and the terminal summary.
    public var summaryLine: String {
        var s = "ECE \(f3(ece))" + (temperature.map { " (calibrated, temperature \(String(format: "%.2f", $0)))" } ?? " (uncalibrated)")
        if let r = review {
            s += "; review target precision \(f3(r.targetPrecision)): threshold \(r.threshold > 1 ? "unreachable (everything reviewed)" : f3(r.threshold))"
                + ", coverage \(f3(r.coverage)), precision \(r.precision.map(f3) ?? "–") on these rows"
        }
        return s
    }

    /// Markdown: the summary line and the reliability bins as a table.
    func markdown() -> String {
        var out = "### Confidence\n\n\(summaryLine).\n\n| confidence | rows | mean confidence | accuracy |\n|---|---|---|---|\n"
        for b in reliability {
            out += "| \(String(format: "%.2f–%.2f", b.lower, b.upper)) | \(b.count) | \(f3(b.meanConfidence)) | \(f3(b.accuracy)) |\n"
        }
        return out
    }

    /// HTML: the summary line, the reliability diagram and the precision/coverage plot side by side.
    func html() -> String {
        "<h3>Confidence</h3>\n<p>\(escape(summaryLine)).</p>\n<div class=\"plots\">\n" + reliabilitySVG() + "\n" + coverageSVG() + "\n</div>\n"
    }

    private static let size = 260, margin = 40
    private static func x(_ v: Double) -> Int { margin + Int((v * Double(size)).rounded()) }
    private static func y(_ v: Double) -> Int { margin + size - Int((v * Double(size)).rounded()) }

    /// Axes from 0 to 1 with ticks every 0.2 and the two axis titles.
    private static func frame(_ title: String, xLabel: String, yLabel: String) -> String {
        let w = size + 2 * margin, h = size + 2 * margin
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" role=\"img\" aria-label=\"\(escape(title))\">\n"
        s += "<text x=\"\(w / 2)\" y=\"16\" text-anchor=\"middle\">\(escape(title))</text>\n"
        s += "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#999\"/>\n"
        for t in stride(from: 0.0, through: 1.0, by: 0.2) {
            let label = String(format: "%.1f", t)
            s += "<text x=\"\(x(t))\" y=\"\(margin + size + 14)\" text-anchor=\"middle\" font-size=\"10\">\(label)</text>\n"
            s += "<text x=\"\(margin - 4)\" y=\"\(y(t) + 3)\" text-anchor=\"end\" font-size=\"10\">\(label)</text>\n"
        }
        s += "<text x=\"\(w / 2)\" y=\"\(h - 6)\" text-anchor=\"middle\" font-size=\"11\">\(escape(xLabel))</text>\n"
        s += "<text transform=\"translate(12,\(h / 2)) rotate(-90)\" text-anchor=\"middle\" font-size=\"11\">\(escape(yLabel))</text>\n"
        return s
    }

    /// Bars: accuracy per confidence bin (width = the bin, shade = its share of rows); the diagonal is perfect calibration.
    func reliabilitySVG() -> String {
        var s = Self.frame("Reliability (ECE \(f3(ece)))", xLabel: "confidence", yLabel: "accuracy")
        let total = max(1, reliability.reduce(0) { $0 + $1.count })
        for b in reliability {
            let share = Double(b.count) / Double(total)
            let x0 = Self.x(b.lower), x1 = Self.x(b.upper), top = Self.y(b.accuracy)
            s += "<rect x=\"\(x0)\" y=\"\(top)\" width=\"\(max(1, x1 - x0 - 1))\" height=\"\(Self.y(0) - top)\" "
                + "fill=\"hsl(210,70%,\(Int(80 - 45 * min(1, share * 4)))%)\"><title>confidence \(String(format: "%.2f–%.2f", b.lower, b.upper)): "
                + "\(b.count) rows, mean confidence \(f3(b.meanConfidence)), accuracy \(f3(b.accuracy))</title></rect>\n"
        }
        s += "<line x1=\"\(Self.x(0))\" y1=\"\(Self.y(0))\" x2=\"\(Self.x(1))\" y2=\"\(Self.y(1))\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>\n"
        return s + "</svg>"
    }

    /// Precision against coverage as the threshold falls; the review threshold's point on these rows is marked.
    func coverageSVG() -> String {
        var s = Self.frame("Precision against coverage", xLabel: "coverage (share routed without review)", yLabel: "precision")
        let points = precisionCoverage.map { "\(Self.x($0.coverage)),\(Self.y($0.precision))" }.joined(separator: " ")
        if !points.isEmpty { s += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"hsl(210,70%,40%)\" stroke-width=\"2\"/>\n" }
        if let r = review {
            s += "<line x1=\"\(Self.x(0))\" y1=\"\(Self.y(r.targetPrecision))\" x2=\"\(Self.x(1))\" y2=\"\(Self.y(r.targetPrecision))\" stroke=\"#c33\" stroke-dasharray=\"4 3\"/>\n"
            if let p = r.precision {
                s += "<circle cx=\"\(Self.x(r.coverage))\" cy=\"\(Self.y(p))\" r=\"5\" fill=\"#c33\"><title>review threshold \(f3(r.threshold)): "
                    + "coverage \(f3(r.coverage)), precision \(f3(p)) (target \(f3(r.targetPrecision)))</title></circle>\n"
            }
        }
        return s + "</svg>"
    }
}
