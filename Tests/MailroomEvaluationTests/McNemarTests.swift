// McNemarTests: the exact p-values and chi-square statistics against SciPy 1.17.1
// (`scipy.stats.binomtest(min(b, c), b + c, 0.5).pvalue`; chi-square with continuity correction).
import MailroomEvaluation
import Testing

@Suite("McNemar's test")
struct McNemarTests {
    // (b = champion only right, c = candidate only right, SciPy's p-value, chi-square).
    static let reference: [(Int, Int, Double, Double)] = [
        (0, 0, 1.0, 0.0), (1, 0, 1.0, 0.0), (5, 12, 0.143463134765625, 2.1176470588235294), (10, 10, 1.0, 0.05),
        (3, 20, 0.00048828125, 11.130434782608695), (40, 61, 0.046044066929342785, 3.9603960396039604),
        (200, 250, 0.02079180024760781, 5.335555555555556),
    ]

    @Test(arguments: reference.indices)
    func matchesSciPy(_ i: Int) {
        let (b, c, p, chi) = Self.reference[i]
        let test = McNemarTest(bothRight: 100, championOnly: b, candidateOnly: c, bothWrong: 7)
        #expect(abs(test.pValue - p) <= 1e-9 * max(1, p), "b=\(b) c=\(c): p \(test.pValue), SciPy \(p)")
        #expect(abs(test.chiSquare - chi) <= 1e-12, "b=\(b) c=\(c): chi-square \(test.chiSquare), expected \(chi)")
        // Swapping the models gives the same p-value.
        #expect(McNemarTest(bothRight: 100, championOnly: c, candidateOnly: b, bothWrong: 7).pValue == test.pValue)
    }

    @Test func countsCellsFromPerRowCorrectnessAndGivesAVerdict() {
        let champion = [true, true, false, false, true] + Array(repeating: false, count: 20)
        let candidate = [true, false, true, false, true] + Array(repeating: true, count: 20)
        let test = McNemarTest(championCorrect: champion, candidateCorrect: candidate)
        #expect([test.bothRight, test.championOnly, test.candidateOnly, test.bothWrong] == [2, 1, 21, 1])
        #expect(test.verdict(minimumRows: 20) == .candidateBetter)
        #expect(test.verdict(minimumRows: 30) == .tooFewRows(rows: 25, minimum: 30))
        #expect(McNemarTest(bothRight: 50, championOnly: 5, candidateOnly: 6, bothWrong: 3).verdict(minimumRows: 30) == .noSignificantDifference)
        #expect(McNemarTest(bothRight: 50, championOnly: 30, candidateOnly: 6, bothWrong: 3).verdict(minimumRows: 30) == .championBetter)
    }
}
