// FeedbackStore+Reports: joined closed cases, training-row export, and per-version head scores.
import Foundation
import MailroomCore

extension FeedbackStore {
    /// Every email that has both a prediction and an outcome, ordered by id.
    /// - Parameters:
    ///   - modelVersion: only cases predicted by this version; `nil` for all.
    ///   - includeShadow: also every shadow prediction joined to its outcome, as extra rows with `shadow == true`
    ///     (after the served row of the same email).
    public func closedCases(modelVersion: String? = nil, includeShadow: Bool = false) throws -> [ClosedCase] {
        let served = try database.query("""
            SELECT p.email_id, p.model_version, p.heads_json, o.labels_json, o.resolution, o.closed_at,
                   p.assigned_queue, p.needs_review, p.subject, p.text, p.language, o.received_at_ms, p.custodian_bank
            FROM outcomes o JOIN predictions p ON p.email_id = o.email_id
            \(modelVersion == nil ? "" : "WHERE p.model_version = ?")
            ORDER BY p.email_id
            """, operation: "read closed cases")
        var cases = try served.each(modelVersion.map { [.text($0)] } ?? []) { row in
            try Self.closedCase(row, shadow: false)
        }
        guard includeShadow else { return cases }
        let shadows = try database.query("""
            SELECT s.email_id, s.model_version, s.heads_json, o.labels_json, o.resolution, o.closed_at,
                   '', 0, coalesce(p.subject, ''), coalesce(p.text, ''), p.language, o.received_at_ms, p.custodian_bank
            FROM outcomes o JOIN shadow_predictions s ON s.email_id = o.email_id
            LEFT JOIN predictions p ON p.email_id = o.email_id
            \(modelVersion == nil ? "" : "WHERE s.model_version = ?")
            ORDER BY s.email_id, s.model_version
            """, operation: "read shadow closed cases")
        cases += try shadows.each(modelVersion.map { [.text($0)] } ?? []) { row in try Self.closedCase(row, shadow: true) }
        return cases.sorted { ($0.id, $0.shadow ? 1 : 0, $0.modelVersion) < ($1.id, $1.shadow ? 1 : 0, $1.modelVersion) }
    }

    /// One row of the closed-case queries above (their columns, in order).
    static func closedCase(_ row: any StoreRow, shadow: Bool) throws -> ClosedCase {
        let id = row.text(at: 0) ?? ""
        let (predicted, confidence) = try heads(row.text(at: 2), id: id)
        let truth = try labels(row.text(at: 3), id: id)
        return ClosedCase(
            id: id, modelVersion: row.text(at: 1) ?? "", predicted: predicted,
            confidence: confidence, truth: truth, resolution: row.text(at: 4),
            closedAt: row.text(at: 5), assignedQueue: row.text(at: 6) ?? "", needsReview: row.int(at: 7) != 0,
            subject: row.text(at: 8) ?? "", text: row.text(at: 9) ?? "", language: row.text(at: 10),
            recordedAtUnixMs: row.int(at: 11), shadow: shadow, custodianBank: row.text(at: 12))
    }

    /// Closed cases as dataset rows with the **true** labels, for retraining; ordered by id.
    ///
    /// `body` is the cleaned text the model read. Each row's split comes from ``StableSplit`` (a fixed
    /// hash of the id), so an email keeps its split across exports, runs and machines.
    /// - Parameter validationFraction: share of rows (by hash) marked `validation`, in [0, 1].
    public func exportTrainingRows(validationFraction: Double = 0.15) throws -> [DatasetRow] {
        precondition((0...1).contains(validationFraction),
                     "exportTrainingRows: validationFraction \(validationFraction) is outside [0, 1]; this is a bug")
        return try closedCases().map { c in
            DatasetRow(id: c.id, subject: c.subject, body: c.text, language: c.language, labels: c.truth,
                       split: StableSplit.split(id: c.id, validationFraction: validationFraction), custodianBank: c.custodianBank)
        }
    }

    /// Accuracy and macro-F1 per model version and head, over closed cases that have both a prediction
    /// and a true label for the head; ordered by version, then head.
    public func report() throws -> [VersionHeadReport] {
        QualitySummary.of(try closedCases()).flatMap { summary in
            summary.scores.sorted { $0.key < $1.key }.map { head, m in
                VersionHeadReport(modelVersion: summary.modelVersion, head: head, cases: m.count,
                                  accuracy: m.accuracy, macroF1: m.macro.f1)
            }
        }
    }

    // The JSON columns are flat objects: FlatJSONReader reads what FlatJSON wrote; anything else (rows
    // written by another tool) goes through JSONSerialization.

    /// `{"head": {"label": "…", "confidence": 0.9}}` → labels and confidences.
    static func heads(_ text: String?, id: String) throws -> ([String: String], [String: Double]) {
        if let text, let heads = FlatJSONReader.heads(text) {
            return (heads.mapValues(\.label), heads.mapValues(\.confidence))
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data((text ?? "").utf8)) as? [String: Any] else {
            throw StoreError.corruptRow(table: "predictions", id: id, reason: "heads_json is not a JSON object")
        }
        var labels: [String: String] = [:], confidences: [String: Double] = [:]
        for (head, value) in object {
            guard let h = value as? [String: Any], let label = h["label"] as? String,
                  let confidence = (h["confidence"] as? NSNumber)?.doubleValue else {
                throw StoreError.corruptRow(table: "predictions", id: id, reason: "head \(head) lacks label or confidence")
            }
            labels[head] = label
            confidences[head] = confidence
        }
        return (labels, confidences)
    }

    /// `{"head": "label"}`.
    private static func labels(_ text: String?, id: String) throws -> [String: String] {
        if let text, let labels = FlatJSONReader.labels(text) { return labels }
        guard let object = try? JSONSerialization.jsonObject(with: Data((text ?? "").utf8)) as? [String: Any],
              let labels = object as? [String: String] else {
            throw StoreError.corruptRow(table: "outcomes", id: id, reason: "labels_json is not an object of strings")
        }
        return labels
    }
}
