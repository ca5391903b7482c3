// ApprovalEvidence: what a person sees before approving a candidate: the offline comparison `mailroom retrain`
// attached, and the live one from its shadow run, compared with the served version on the same closed cases.
import Foundation
import MailroomEvaluation
import MailroomRegistry

public struct ApprovalEvidence: Sendable {
    /// The comparison on held-out closed cases, from the candidate's evidence folder (nil: registered by hand).
    public var offline: PairedComparison?
    /// The comparison on live closed cases against the served version (nil: no shadow evidence, see `shadowNote`).
    public var shadow: PairedComparison?
    /// Why there is no shadow comparison, in words.
    public var shadowNote: String?

    /// Gathers both. The live comparison is written into the candidate's evidence folder as
    /// `shadow-comparison.{json,md,html}`, so it stays with the version whatever happens to the store later.
    public static func gather(registry: ModelRegistry, database: String, version: String,
                              alpha: Double = 0.05, minimumRows: Int = 30) throws -> ApprovalEvidence {
        _ = try registry.record(version)
        let folder = (registry.modelDirectory(of: version) as NSString).appendingPathComponent(Retrainer.evidenceFolder)
        var out = ApprovalEvidence()
        if let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent("comparison.json")) {
            out.offline = try? JSONDecoder().decode(PairedComparison.self, from: data)
        }
        guard let served = registry.serving().current, served != version else {
            out.shadowNote = "no served version to compare with"
            return out
        }
        do {
            let live = try LiveComparison.compare(registry: registry, database: database, champion: served, candidate: version,
                                                  alpha: alpha, minimumRows: minimumRows)
            try live.write(to: folder, stem: LiveComparison.stem)
            out.shadow = live
        } catch let error as RetrainingError {
            out.shadowNote = error.description
        }
        return out
    }

    public init(offline: PairedComparison? = nil, shadow: PairedComparison? = nil, shadowNote: String? = nil) {
        self.offline = offline; self.shadow = shadow; self.shadowNote = shadowNote
    }
}
