// GatewayMetrics: counters and an end-to-end latency histogram, rendered in the Prometheus text format by the
// shared PrometheusText (MailroomRuntime).
import Foundation
import MailroomRuntime
import Synchronization

/// Thread-safe metrics for `GET /metrics`.
public final class GatewayMetrics: Sendable {
    /// Histogram bucket upper bounds, in seconds.
    static let latencyBucketsSeconds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private struct State {
        var counters: [String: Double] = [:]
        var latency = PrometheusHistogram(bounds: GatewayMetrics.latencyBucketsSeconds)
        var gauges: [String: Double] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// Most distinct series; a new series past it is not kept (counted in `mailroom_gateway_metric_series_dropped_total`),
    /// so no client input can grow /metrics without bound.
    static let maxSeries = 2000

    /// Adds `by` to the counter `family{labels}`; label values are escaped as the text format requires.
    public func count(_ family: String, labels: [String: String] = [:], by: Double = 1) {
        update(\.counters, Self.series(family, labels)) { $0 = ($0 ?? 0) + by }
    }

    /// Applies `change` to the series `name` of one table (counters or gauges) under the lock; a new series past
    /// ``maxSeries`` is dropped and counted instead.
    private func update(_ table: WritableKeyPath<State, [String: Double]>, _ name: String, _ change: (inout Double?) -> Void) {
        state.withLock { s in
            if s[keyPath: table][name] == nil && s.counters.count + s.gauges.count >= Self.maxSeries {
                s.counters["mailroom_gateway_metric_series_dropped_total", default: 0] += 1
                return
            }
            change(&s[keyPath: table][name])
        }
    }

    public func set(_ family: String, labels: [String: String] = [:], _ value: Double) {
        update(\.gauges, Self.series(family, labels)) { $0 = value }
    }

    /// Sets the counter `family{labels}` to `value`: a cumulative count another process keeps (a stage's heartbeat
    /// figures), exported as a counter (it restarts from zero when that process does, as Prometheus expects).
    public func setCounter(_ family: String, labels: [String: String] = [:], _ value: Double) {
        update(\.counters, Self.series(family, labels)) { $0 = value }
    }

    /// Help text of every family the gateway exports (the stages' heartbeat figures included): `promtool check
    /// metrics` wants one for each.
    static let help: [String: String] = StageFigures.families.merging([
        "mailroom_gateway_auth_failures_total": "Requests refused for a missing or unknown API key, or a key without the route's scope.",
        "mailroom_gateway_conflicts_total": "Emails refused because their id was already taken with different content.",
        "mailroom_gateway_emails_submitted_total": "Emails accepted into the journal (sync and async).",
        "mailroom_gateway_failed_total": "Emails that became dead letters (a stage failed on them, or the retry cap was reached).",
        "mailroom_gateway_feedback_total": "Closed-case outcomes accepted.",
        "mailroom_gateway_http_requests_total": "HTTP requests by route and status.",
        "mailroom_gateway_in_flight": "Accepted emails without a result yet.",
        "mailroom_gateway_journal_errors_total": "Intake journal reads or writes that failed (retried).",
        "mailroom_gateway_metric_series_dropped_total": "New series not kept because /metrics already had its maximum.",
        "mailroom_gateway_rejected_total": "Emails refused because the pipeline was full (429).",
        "mailroom_gateway_replayed_total": "Journal entries re-sent at start.",
        "mailroom_gateway_resends_postponed_total": "Re-sends put off because no stage replica was ready.",
        "mailroom_gateway_resent_total": "Emails re-sent after their attempt's deadline passed.",
        "mailroom_gateway_results_total": "Routed results received.",
        "mailroom_stage_up": "1 while a stage replica's heartbeats arrive, else 0.",
        "mailroom_classifier_shadow_info": "The candidate a classifier replica runs in shadow (value 1).",
    ]) { a, _ in a }

    /// Forgets every gauge of `family` whose labels include all of `labels` (a series that no longer applies,
    /// such as the shadow version of a classifier that stopped its shadow).
    public func clear(_ family: String, where labels: [String: String]) {
        let wanted = labels.map { Self.series("", [$0.key: $0.value]).dropFirst().dropLast() }
        state.withLock { s in
            for name in s.gauges.keys where name.hasPrefix(family + "{") && wanted.allSatisfy({ name.contains($0) }) {
                s.gauges[name] = nil
            }
        }
    }

    /// `family{a="1",b="x\"y"}` (``PrometheusText/series(_:_:)``).
    static func series(_ family: String, _ labels: [String: String]) -> String { PrometheusText.series(family, labels) }

    /// Records one email's time from submission to routed result.
    public func observeLatency(_ seconds: Double) {
        state.withLock { s in
            s.latency.observe(seconds)
        }
    }

    /// The Prometheus text exposition of every metric (written by the shared ``PrometheusText``).
    public func render() -> String {
        state.withLock { s in
            var text = PrometheusText()
            for (name, v) in s.counters.sorted(by: { $0.key < $1.key }) {
                let family = PrometheusText.familyName(of: name)
                text.family(family, .counter, help: Self.help[family])
                text.sample(series: name, v)
            }
            for (name, v) in s.gauges.sorted(by: { $0.key < $1.key }) {
                let family = PrometheusText.familyName(of: name)
                text.family(family, .gauge, help: Self.help[family])
                text.sample(series: name, v)
            }
            s.latency.render(into: &text, name: "mailroom_gateway_end_to_end_seconds",
                             help: "Time from submission to routed result, per email.")
            return text.rendered
        }
    }
}
