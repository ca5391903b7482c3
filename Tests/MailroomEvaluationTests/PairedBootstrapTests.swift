// PairedBootstrapTests: the interval of a macro-F1 difference covers the observed difference, excludes 0 when one
// model is clearly better, reaches 0 when the two differ on one row of many, is exactly 0 for identical
// predictions, and repeats with its seed.
import MailroomEvaluation
import Testing

@Suite struct PairedBootstrapTests {
    static let labels = ["a", "b", "c"]
    static let truth = (0..<300).map { labels[$0 % 3] }

    @Test func clearWinExcludesZeroAndTiesGiveZero() {
        // The candidate is right everywhere; the baseline misses every fifth row.
        let baseline = Self.truth.enumerated().map { i, t in i % 5 == 0 ? (t == "a" ? "b" : "a") : t }
        let (lo, hi) = PairedBootstrap.macroF1Difference(truth: Self.truth, baseline: baseline, candidate: Self.truth,
                                                         labels: Self.labels)
        #expect(lo > 0.1 && hi < 0.3 && lo < hi, "[\(lo), \(hi)]")
        let same = PairedBootstrap.macroF1Difference(truth: Self.truth, baseline: baseline, candidate: baseline, labels: Self.labels)
        #expect(same.lower == 0 && same.upper == 0)
        let again = PairedBootstrap.macroF1Difference(truth: Self.truth, baseline: baseline, candidate: Self.truth, labels: Self.labels)
        #expect(again.lower == lo && again.upper == hi, "the same seed draws the same resamples")
    }

    @Test func oneChangedRowOfManyReachesZero() {
        var candidate = Self.truth
        candidate[7] = candidate[7] == "a" ? "c" : "a"
        let (lo, hi) = PairedBootstrap.macroF1Difference(truth: Self.truth, baseline: Self.truth, candidate: candidate,
                                                         labels: Self.labels)
        // Over a third of the resamples miss row 7 (0.997³⁰⁰ ≈ 0.37), so the upper end is exactly 0.
        #expect(lo < 0 && hi == 0 && lo > -0.02, "one changed row of 300: [\(lo), \(hi)]")
    }
}
