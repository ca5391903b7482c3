// StageFigures: the cumulative figures a stage replica may report in its heartbeats, by Prometheus family name,
// with their help text. The gateway's /metrics exports these and no others (a heartbeat cannot invent names).
public enum StageFigures {
    /// Seconds the classifier spent in the served model.
    public static let modelSeconds = "mailroom_classifier_model_seconds_total"
    /// Emails the served model classified.
    public static let predictions = "mailroom_classifier_predictions_total"
    /// Seconds the classifier spent in the shadow candidate (its cost beside `modelSeconds`).
    public static let shadowSeconds = "mailroom_classifier_shadow_seconds_total"
    /// Emails the shadow candidate classified.
    public static let shadowPredictions = "mailroom_classifier_shadow_predictions_total"
    /// Sampled emails the shadow skipped because the classifier was busy (a full batch waiting).
    public static let shadowSkipped = "mailroom_classifier_shadow_skipped_total"
    /// Sampled emails the shadow candidate failed on (never the served prediction's concern).
    public static let shadowFailed = "mailroom_classifier_shadow_failed_total"
    /// The shadow's sample rate (0 when no candidate is in shadow).
    public static let shadowSampleRate = "mailroom_classifier_shadow_sample_rate"

    /// Family → help text.
    public static let families: [String: String] = [
        modelSeconds: "Seconds spent in the served model.",
        predictions: "Emails the served model classified.",
        shadowSeconds: "Seconds spent in the shadow candidate (its cost).",
        shadowPredictions: "Emails the shadow candidate classified.",
        shadowSkipped: "Sampled emails not shadowed because the classifier was busy.",
        shadowFailed: "Sampled emails the shadow candidate failed on.",
        shadowSampleRate: "Share of emails the shadow candidate classifies (0: no shadow).",
    ]
}
