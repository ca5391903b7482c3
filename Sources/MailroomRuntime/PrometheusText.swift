// PrometheusText: the one writer of the Prometheus text exposition format (version 0.0.4) for every Mailroom
// process: `# HELP`/`# TYPE` once per family, samples grouped under it, label values and help text escaped.
// The gateway's GatewayMetrics and the feedback-collector's quality metrics both render through it.

/// Builds a `/metrics` body family by family.
///
/// ```swift
/// var text = PrometheusText()
/// text.family("mailroom_quality_accuracy", .gauge, help: "Accuracy over the last closed cases.")
/// text.sample("mailroom_quality_accuracy", labels: ["head": "intent"], 0.93)
/// let body = text.rendered
/// ```
public struct PrometheusText: Sendable {
    public enum MetricType: String, Sendable {
        case counter, gauge, histogram
    }

    /// The `Content-Type` of the body.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The exposition so far.
    public private(set) var rendered = ""
    private var declared = Set<String>()
    /// The HELP/TYPE lines of the family started last, until its first sample.
    private var pendingHeader: String?
    private var pendingFamily = ""

    public init() {}

    /// Starts the family `name`: its HELP (when given) and TYPE lines are written, once, before its first sample
    /// (a family without samples leaves no lines). Its samples follow.
    public mutating func family(_ name: String, _ type: MetricType, help: String? = nil) {
        guard !declared.contains(name) else { pendingHeader = nil; return }
        pendingHeader = (help.map { "# HELP \(name) \(Self.escapeHelp($0))\n" } ?? "") + "# TYPE \(name) \(type.rawValue)\n"
        pendingFamily = name
    }

    /// One sample line `name{labels} value`; non-finite values are skipped (Prometheus reads them, dashboards do not).
    public mutating func sample(_ name: String, labels: [String: String] = [:], _ value: Double) {
        sample(series: Self.series(name, labels), value)
    }

    /// One sample line for a series already written by ``series(_:_:)``.
    public mutating func sample(series: String, _ value: Double) {
        guard value.isFinite else { return }
        if let header = pendingHeader {
            rendered += header
            declared.insert(pendingFamily)
            pendingHeader = nil
        }
        rendered += "\(series) \(Self.format(value))\n"
    }

    /// `family{a="1",b="x\"y"}`: labels sorted by name, values with backslash, quote and newline escaped.
    public static func series(_ family: String, _ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return family }
        let body = labels.sorted { $0.key < $1.key }.map { key, value in "\(key)=\"\(escape(value, quote: true))\"" }
        return family + "{" + body.joined(separator: ",") + "}"
    }

    /// The family name of a series (`name{…}` → `name`).
    public static func familyName(of series: String) -> String { String(series.prefix { $0 != "{" }) }

    /// Integers without a fraction, everything else as Swift prints a Double.
    public static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// HELP text: backslash and newline escaped.
    static func escapeHelp(_ text: String) -> String { escape(text, quote: false) }

    private static func escape(_ text: String, quote: Bool) -> String {
        var v = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": v += "\\\\"
            case "\"" where quote: v += "\\\""
            case "\n": v += "\\n"
            default: v.unicodeScalars.append(c)
            }
        }
        return v
    }
}
