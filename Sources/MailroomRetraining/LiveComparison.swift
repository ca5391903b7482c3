// LiveComparison: two versions compared on live traffic: the closed cases both predicted (one served, the other in
// shadow, or both in turn), with the same per-head figures and McNemar test as the offline comparison
// (`mailroom registry compare CHAMPION CANDIDATE`). Approval attaches it to the candidate's evidence.
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomRegistry
import MailroomStore

public enum LiveComparison {
    /// Where approval writes the live comparison inside the candidate's evidence folder.
    public static let stem = "shadow-comparison"

    /// Pairs the two versions' predictions (served or shadow) on every closed case both have, and compares them.
    /// - Throws: ``RetrainingError/noFeedbackStore(path:)``, ``RegistryError/unknownVersion(_:known:)``, and
    ///   ``RetrainingError/noPairedCases(champion:candidate:)`` when no closed case has both predictions.
    public static func compare(registry: ModelRegistry, database: String, champion: String, candidate: String,
                               alpha: Double = 0.05, minimumRows: Int = 30) throws -> PairedComparison {
        guard StoreLocation(database).mayExist else { throw RetrainingError.noFeedbackStore(path: database) }
        let championHeads = try heads(registry, champion), candidateHeads = try heads(registry, candidate)
        let rows = try pairedRows(store: try FeedbackStore(path: database), champion: champion, candidate: candidate)
        guard !rows.isEmpty else { throw RetrainingError.noPairedCases(champion: champion, candidate: candidate) }
        return PairedComparison.compare(champion: champion, championHeads: championHeads, candidate: candidate,
                                        candidateHeads: candidateHeads, rows: rows, alpha: alpha, minimumRows: minimumRows,
                                        rowsSource: "live closed cases that both versions predicted (one served, the other in shadow)")
    }

    /// Closed cases with a prediction of both versions (served or shadow), in id order.
    public static func pairedRows(store: FeedbackStore, champion: String, candidate: String) throws -> [PairedRow] {
        var byID: [String: (truth: [String: String], a: [String: String]?, b: [String: String]?)] = [:]
        for c in try store.closedCases(includeShadow: true) where c.modelVersion == champion || c.modelVersion == candidate {
            var entry = byID[c.id] ?? (c.truth, nil, nil)
            if c.modelVersion == champion { entry.a = c.predicted } else { entry.b = c.predicted }
            byID[c.id] = entry
        }
        return byID.keys.sorted().compactMap { id in
            let e = byID[id]!
            guard let a = e.a, let b = e.b else { return nil }
            return PairedRow(truth: e.truth, champion: a, candidate: b)
        }
    }

    private static func heads(_ registry: ModelRegistry, _ version: String) throws -> [HeadSpec] {
        _ = try registry.record(version)  // unknown versions: the registry's error lists the known ones
        return try ModelManifest.read(directory: registry.modelDirectory(of: version)).heads
    }
}
