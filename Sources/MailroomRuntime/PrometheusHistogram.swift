// PrometheusHistogram: cumulative buckets, sum and count of one histogram series, written through PrometheusText.

/// One histogram series: observations counted into fixed upper bounds (`le`), plus their sum and count.
public struct PrometheusHistogram: Sendable, Equatable {
    /// The upper bounds, ascending (`+Inf` is implied).
    public let bounds: [Double]
    /// Observations at most `bounds[i]` and above `bounds[i-1]` (not yet cumulative).
    private var counts: [Int]
    public private(set) var sum = 0.0
    public private(set) var count = 0

    public init(bounds: [Double]) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 },
                     "PrometheusHistogram: bounds must ascend; this is a bug")
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count)
    }

    public mutating func observe(_ value: Double) {
        guard value.isFinite else { return }
        if let i = bounds.firstIndex(where: { value <= $0 }) { counts[i] += 1 }
        sum += value
        count += 1
    }

    /// `NAME_bucket{le=…}` (cumulative), `NAME_sum` and `NAME_count`, each with `labels`, under one family.
    public func render(into text: inout PrometheusText, name: String, help: String, labels: [String: String] = [:]) {
        text.family(name, .histogram, help: help)
        var cumulative = 0
        for (bound, n) in zip(bounds, counts) {
            cumulative += n
            text.sample(name + "_bucket", labels: labels.merging(["le": PrometheusText.format(bound)]) { $1 }, Double(cumulative))
        }
        text.sample(name + "_bucket", labels: labels.merging(["le": "+Inf"]) { $1 }, Double(count))
        text.sample(name + "_sum", labels: labels, sum)
        text.sample(name + "_count", labels: labels, Double(count))
    }
}
