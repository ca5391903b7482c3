// PairedBootstrap: how sure a macro-F1 difference between two models on the same rows is. Rows are resampled with
// replacement (the same draw for both models), macro-F1 of each is recomputed, and the 2.5th and 97.5th
// percentiles of the difference are the 95 % interval.
import MailroomCore

public enum PairedBootstrap {
    /// The 95 % interval of macro-F1(`candidate`) − macro-F1(`baseline`) over `resamples` resamples of the rows
    /// (`truth[i]`, `baseline[i]` and `candidate[i]` belong to row i), seeded, so a run repeats exactly.
    public static func macroF1Difference(truth: [String], baseline: [String], candidate: [String], labels: [String],
                                         resamples: Int = 1000, seed: UInt64 = 2026) -> (lower: Double, upper: Double) {
        precondition(truth.count == baseline.count && truth.count == candidate.count && !truth.isEmpty && resamples >= 40,
                     "a paired bootstrap needs equal, non-empty rows and at least 40 resamples; this is a bug")
        var rng = SeededGenerator(seed: seed)
        var diffs: [Double] = []
        diffs.reserveCapacity(resamples)
        for _ in 0..<resamples {
            var t: [String] = [], pa: [String] = [], pb: [String] = []
            t.reserveCapacity(truth.count); pa.reserveCapacity(truth.count); pb.reserveCapacity(truth.count)
            for _ in truth.indices { let i = rng.int(below: truth.count); t.append(truth[i]); pa.append(baseline[i]); pb.append(candidate[i]) }
            diffs.append(ClassificationMetrics.compute(truth: t, predicted: pb, labels: labels).macro.f1
                         - ClassificationMetrics.compute(truth: t, predicted: pa, labels: labels).macro.f1)
        }
        diffs.sort()
        return (diffs[Int(0.025 * Double(resamples))], diffs[Int(0.975 * Double(resamples)) - 1])
    }
}
