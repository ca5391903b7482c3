// GatewayMetrics: counters and an end-to-end latency histogram, rendered in the Prometheus text format.
import Foundation
import Synchronization

/// Thread-safe metrics for `GET /metrics`.
public final class GatewayMetrics: Sendable {
    /// Histogram bucket upper bounds, in seconds.
    static let latencyBucketsSeconds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct State {
        var counters: [String: Double] = [:]
        var buckets = [UInt64](repeating: 0, count: GatewayMetrics.latencyBucketsSeconds.count)
        var latencyCount: UInt64 = 0
        var latencySum = 0.0
        var gauges: [String: Double] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Adds `by` to the counter `name` (a full series name, labels included, e.g. `x_total{route="/v1/classify"}`).
    public func count(_ name: String, by: Double = 1) {
        state.withLock { $0.counters[name, default: 0] += by }
    }

    public func set(_ name: String, _ value: Double) {
        state.withLock { $0.gauges[name] = value }
    }

    /// Records one email's time from submission to routed result.
    public func observeLatency(_ seconds: Double) {
        state.withLock { s in
            for (i, b) in Self.latencyBucketsSeconds.enumerated() where seconds <= b { s.buckets[i] += 1 }
            s.latencyCount += 1
            s.latencySum += seconds
        }
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        state.withLock { s in
            var out = ""
            var typed = Set<String>()
            func family(_ series: String) -> String { String(series.prefix { $0 != "{" }) }
            for (name, v) in s.counters.sorted(by: { $0.key < $1.key }) {
                let f = family(name)
                if typed.insert(f).inserted { out += "# TYPE \(f) counter\n" }
                out += "\(name) \(format(v))\n"
            }
            for (name, v) in s.gauges.sorted(by: { $0.key < $1.key }) {
                let f = family(name)
                if typed.insert(f).inserted { out += "# TYPE \(f) gauge\n" }
                out += "\(name) \(format(v))\n"
            }
            let h = "mailroom_gateway_end_to_end_seconds"
            out += "# HELP \(h) Time from submission to routed result, per email.\n# TYPE \(h) histogram\n"
            for (i, b) in Self.latencyBucketsSeconds.enumerated() {
                out += "\(h)_bucket{le=\"\(format(b))\"} \(s.buckets[i])\n"
            }
            out += "\(h)_bucket{le=\"+Inf\"} \(s.latencyCount)\n\(h)_sum \(format(s.latencySum))\n\(h)_count \(s.latencyCount)\n"
            return out
        }
    }

    private func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
