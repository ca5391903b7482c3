// QualitySnapshot: what the feedback-collector's GET /metrics reports, read at one moment: each model version's
// recent quality (served and shadow), its validation profile, and the retrain status; rendered in the Prometheus
// text format (PrometheusText) with HELP for every family and bounded label values.
import Foundation
import MailroomCore
import MailroomRuntime
import MailroomStore

public struct QualitySnapshot: Sendable {
    /// Most label values of one head (or languages) per series family; the rest are summed as `other`.
    public static let maxLabelValues = 50
    /// Most model versions reported (the most recently predicting first), so old versions do not pile up.
    public static let maxVersions = 20

    /// The predictions and closed cases each version's figures cover (`--quality-window`).
    public var window: Int
    /// Per version and role, over its last `window` predictions and closed cases.
    public var summaries: [QualitySummary]
    /// Version → its validation profile (versions without one are absent: no drift series).
    public var profiles: [String: TrafficProfile]
    /// The registry's retrain status; nil without `--registry`.
    public var retrain: RetrainStatus?
    /// Whether the store could be read (0 on /metrics when it could not; the other quality series are then absent).
    public var storeReadable: Bool

    public init(window: Int, summaries: [QualitySummary], profiles: [String: TrafficProfile], retrain: RetrainStatus?,
                storeReadable: Bool) {
        self.window = window; self.summaries = summaries; self.profiles = profiles; self.retrain = retrain
        self.storeReadable = storeReadable
    }

    /// Reads the snapshot from `store` (a read-only connection) and `registry`.
    public static func read(store: FeedbackStore, profiles: ValidationProfiles, registry: String?, window: Int,
                            logger: (String) -> Void) throws -> QualitySnapshot {
        let versions = try store.versionRoles()
        let kept = Array(versions.prefix(maxVersions))
        let summaries = try kept.map { try store.recentQuality(of: $0, window: window) }
        let found = profiles.profiles(of: kept.map(\.modelVersion)) { logger("\($0)") }
        var retrain: RetrainStatus?
        if let registry {
            do { retrain = try RetrainStatus.read(registry: registry) } catch { logger("\(error)") }
        }
        return QualitySnapshot(window: window, summaries: summaries, profiles: found, retrain: retrain, storeReadable: true)
    }

    /// The Prometheus text exposition.
    public func rendered() -> String {
        var text = PrometheusText()
        text.family("mailroom_quality_store_up", .gauge, help: "1 when the feedback store could be read for this scrape, else 0.")
        text.sample("mailroom_quality_store_up", storeReadable ? 1 : 0)
        text.family("mailroom_quality_window", .gauge, help: "Most recent predictions and closed cases per version the quality series cover (--quality-window).")
        text.sample("mailroom_quality_window", Double(window))
        renderScores(&text)
        renderTraffic(&text)
        renderDrift(&text)
        renderRetrain(&text)
        return text.rendered
    }

    private func labels(_ s: QualitySummary, _ extra: [String: String] = [:]) -> [String: String] {
        ["model_version": s.modelVersion, "role": s.role].merging(extra) { $1 }
    }

    private func renderScores(_ text: inout PrometheusText) {
        let families: [(String, String, (ClassificationMetrics) -> Double)] = [
            ("mailroom_quality_accuracy", "Accuracy per model version and head over its last closed cases (the window).", { $0.accuracy }),
            ("mailroom_quality_macro_f1", "Macro-F1 per model version and head over its last closed cases (the window).", { $0.macro.f1 }),
            ("mailroom_quality_closed_cases", "Closed cases with a true label behind mailroom_quality_accuracy and _macro_f1.", { Double($0.count) }),
        ]
        let scores = summaries.map(\.scores)
        for (name, help, value) in families {
            text.family(name, .gauge, help: help)
            for (s, byHead) in zip(summaries, scores) {
                for (head, m) in byHead.sorted(by: { $0.key < $1.key }) { text.sample(name, labels: labels(s, ["head": head]), value(m)) }
            }
        }
    }

    private func renderTraffic(_ text: inout PrometheusText) {
        text.family("mailroom_quality_predictions", .gauge, help: "Predictions in the window per model version (at most the window).")
        for s in summaries { text.sample("mailroom_quality_predictions", labels: labels(s), Double(s.traffic.count)) }
        text.family("mailroom_quality_predicted_label_share", .gauge,
                    help: "Share of each predicted label per head over the window's predictions (at most 50 labels, the rest as other).")
        for s in summaries {
            for (head, h) in s.traffic.heads.sorted(by: { $0.key < $1.key }) {
                for (label, share) in TrafficProfile.cappedShares(h.labels, limit: Self.maxLabelValues).sorted(by: { $0.key < $1.key }) {
                    text.sample("mailroom_quality_predicted_label_share", labels: labels(s, ["head": head, "label": label]), share)
                }
            }
        }
        text.family("mailroom_quality_mean_confidence", .gauge, help: "Mean confidence of the predicted label per head over the window's predictions.")
        for s in summaries {
            for (head, h) in s.traffic.heads.sorted(by: { $0.key < $1.key }) {
                text.sample("mailroom_quality_mean_confidence", labels: labels(s, ["head": head]), h.meanConfidence)
            }
        }
        text.family("mailroom_quality_review_rate", .gauge, help: "Share of the window's served predictions the router flagged for review.")
        for s in summaries { if let r = s.reviewRate { text.sample("mailroom_quality_review_rate", labels: labels(s), r) } }
        text.family("mailroom_input_language_share", .gauge,
                    help: "Share of each input language over the window's predictions (none: no language; at most 50, the rest as other).")
        for s in summaries {
            for (language, share) in TrafficProfile.cappedShares(s.traffic.languages, limit: Self.maxLabelValues).sorted(by: { $0.key < $1.key }) {
                text.sample("mailroom_input_language_share", labels: labels(s, ["language": language]), share)
            }
        }
        text.family("mailroom_input_length_share", .gauge,
                    help: "Share of each model-text length bucket (Unicode scalars) over the window's predictions.")
        for s in summaries {
            for bucket in TrafficProfile.lengthBuckets.map(\.name) where s.traffic.count > 0 {
                text.sample("mailroom_input_length_share", labels: labels(s, ["bucket": bucket]),
                            Double(s.traffic.lengths[bucket] ?? 0) / Double(s.traffic.count))
            }
        }
    }

    private func renderDrift(_ text: inout PrometheusText) {
        let drift = summaries.map { s in profiles[s.modelVersion].map { s.traffic.drift(against: $0) } ?? [:] }
        for (name, help, pick) in [
            ("mailroom_drift_label_psi", "PSI of the window's predicted-label distribution per head against the version's validation profile.", true),
            ("mailroom_drift_confidence_psi", "PSI of the window's confidence histogram (10 bins) per head against the version's validation profile.", false),
        ] {
            text.family(name, .gauge, help: help)
            for (s, byHead) in zip(summaries, drift) {
                for (head, d) in byHead.sorted(by: { $0.key < $1.key }) {
                    text.sample(name, labels: labels(s, ["head": head]), pick ? d.labels : d.confidence)
                }
            }
        }
    }

    private func renderRetrain(_ text: inout PrometheusText) {
        guard let r = retrain else { return }
        let gauges: [(String, String, Double?)] = [
            ("mailroom_retrain_last_start_timestamp_seconds", "When the last mailroom retrain started (Unix seconds).", r.startedAt),
            ("mailroom_retrain_last_success_timestamp_seconds", "When a mailroom retrain last finished ok (Unix seconds).", r.lastSuccessAt),
            ("mailroom_retrain_last_run_failed", "1 when the last mailroom retrain failed; 0 after a success and while one runs.",
             r.runs == 0 ? nil : (r.outcome == .failed ? 1 : 0)),
            ("mailroom_retrain_running", "1 while a mailroom retrain runs (or one crashed without finishing), else 0.", r.runs == 0 ? nil : (r.outcome == .running ? 1 : 0)),
        ]
        for (name, help, value) in gauges {
            guard let value else { continue }
            text.family(name, .gauge, help: help)
            text.sample(name, value)
        }
        text.family("mailroom_retrain_runs_total", .counter, help: "mailroom retrain runs started on this registry.")
        text.sample("mailroom_retrain_runs_total", Double(r.runs))
        text.family("mailroom_retrain_failures_total", .counter, help: "mailroom retrain runs that failed on this registry.")
        text.sample("mailroom_retrain_failures_total", Double(r.failures))
    }
}
