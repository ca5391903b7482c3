// FeedbackStore+Windows: the most recent predictions and closed cases of each model version (served and shadow), for
// the feedback-collector's live /metrics: bounded reads, however large the store has grown.
import Foundation
import MailroomCore

extension FeedbackStore {
    /// A model version that has predictions in the store, as served or as shadow.
    public struct VersionRole: Sendable, Equatable {
        public var modelVersion: String
        public var shadow: Bool
        /// Its latest prediction (Unix ms).
        public var lastPredictedAtUnixMs: Int64
    }

    /// Every version with predictions, as served and as shadow, the most recently predicting first.
    public func versionRoles() throws -> [VersionRole] {
        let statement = try database.query("""
            SELECT model_version, 0, max(predicted_at_ms) FROM predictions GROUP BY model_version
            UNION ALL
            SELECT model_version, 1, max(predicted_at_ms) FROM shadow_predictions GROUP BY model_version
            ORDER BY 3 DESC, 1, 2
            """, operation: "read model versions")
        return try statement.each([]) { row in
            VersionRole(modelVersion: row.text(at: 0) ?? "", shadow: row.int(at: 1) != 0, lastPredictedAtUnixMs: row.int(at: 2))
        }
    }

    /// One version's summary over its last `window` predictions (traffic profile, review rate) and its last `window`
    /// closed cases (scores, by when the store recorded the outcome).
    /// - Parameter window: predictions and closed cases to read, at least 1.
    public func recentQuality(of version: VersionRole, window: Int) throws -> QualitySummary {
        precondition(window >= 1, "recentQuality: window \(window) is below 1; this is a bug")
        var summary = QualitySummary(modelVersion: version.modelVersion, shadow: version.shadow)
        let predictions = try database.query(version.shadow ? """
            SELECT s.email_id, s.heads_json, 0, p.language, coalesce(p.subject, ''), coalesce(p.text, '')
            FROM shadow_predictions s LEFT JOIN predictions p ON p.email_id = s.email_id
            WHERE s.model_version = ? ORDER BY s.predicted_at_ms DESC, s.email_id DESC LIMIT ?
            """ : """
            SELECT email_id, heads_json, needs_review, language, subject, text
            FROM predictions WHERE model_version = ? ORDER BY predicted_at_ms DESC, email_id DESC LIMIT ?
            """, operation: "read recent predictions")
        _ = try predictions.each([.text(version.modelVersion), .int(Int64(window))]) { row in
            let (predicted, confidence) = try Self.heads(row.text(at: 1), id: row.text(at: 0) ?? "")
            summary.addPrediction(predicted: predicted, confidence: confidence, language: row.text(at: 3),
                                  modelText: modelText(subject: row.text(at: 4) ?? "", body: row.text(at: 5) ?? ""),
                                  needsReview: row.int(at: 2) != 0)
        }
        let closed = try database.query(version.shadow ? """
            SELECT s.email_id, s.model_version, s.heads_json, o.labels_json, o.resolution, o.closed_at,
                   '', 0, '', '', NULL, o.received_at_ms
            FROM outcomes o JOIN shadow_predictions s ON s.email_id = o.email_id
            WHERE s.model_version = ? ORDER BY o.received_at_ms DESC, o.email_id DESC LIMIT ?
            """ : """
            SELECT p.email_id, p.model_version, p.heads_json, o.labels_json, o.resolution, o.closed_at,
                   p.assigned_queue, p.needs_review, '', '', NULL, o.received_at_ms
            FROM outcomes o JOIN predictions p ON p.email_id = o.email_id
            WHERE p.model_version = ? ORDER BY o.received_at_ms DESC, o.email_id DESC LIMIT ?
            """, operation: "read recent closed cases")
        _ = try closed.each([.text(version.modelVersion), .int(Int64(window))]) { row in
            let c = try Self.closedCase(row, shadow: version.shadow)
            summary.addOutcome(predicted: c.predicted, truth: c.truth)
        }
        return summary
    }
}
