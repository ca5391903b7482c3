// McNemar: the paired test of two classifiers on the same rows. Only the rows where exactly one of them is right
// carry information: b (the champion right, the candidate wrong) and c (the other way round). Under "no
// difference" each such row goes either way with probability 1/2, so the exact two-sided p-value is a binomial tail.
import Foundation

public struct McNemarTest: Codable, Sendable, Equatable {
    /// Rows both got right, only the champion, only the candidate, neither.
    public var bothRight: Int
    public var championOnly: Int
    public var candidateOnly: Int
    public var bothWrong: Int
    /// Exact two-sided p-value: 2 · P(X ≤ min(b, c)) for X ~ Binomial(b + c, 1/2), at most 1.
    public var pValue: Double
    /// The chi-square statistic with continuity correction, (|b − c| − 1)² / (b + c), for readers who expect it.
    public var chiSquare: Double

    public var rows: Int { bothRight + championOnly + candidateOnly + bothWrong }
    public var discordant: Int { championOnly + candidateOnly }

    /// Counts the four cells from per-row correctness (same rows, same order).
    public init(championCorrect: [Bool], candidateCorrect: [Bool]) {
        precondition(championCorrect.count == candidateCorrect.count, "McNemarTest: the two models must be scored on the same rows; this is a bug")
        var cells = (0, 0, 0, 0)
        for (a, b) in zip(championCorrect, candidateCorrect) {
            switch (a, b) {
            case (true, true): cells.0 += 1
            case (true, false): cells.1 += 1
            case (false, true): cells.2 += 1
            case (false, false): cells.3 += 1
            }
        }
        self.init(bothRight: cells.0, championOnly: cells.1, candidateOnly: cells.2, bothWrong: cells.3)
    }

    public init(bothRight: Int, championOnly: Int, candidateOnly: Int, bothWrong: Int) {
        self.bothRight = bothRight; self.championOnly = championOnly; self.candidateOnly = candidateOnly
        self.bothWrong = bothWrong
        let n = championOnly + candidateOnly
        pValue = Self.exactTwoSided(k: min(championOnly, candidateOnly), n: n)
        chiSquare = n == 0 ? 0 : pow(Double(abs(championOnly - candidateOnly) - 1), 2) / Double(n)  // as SciPy/statsmodels
    }

    /// 2 · Σ_{i ≤ k} C(n, i) / 2ⁿ, summed in log space (n may be in the tens of thousands).
    static func exactTwoSided(k: Int, n: Int) -> Double {
        guard n > 0 else { return 1 }
        // logFactorial[i] = log(i!)
        var logFactorial = [Double](repeating: 0, count: n + 1)
        for i in stride(from: 2, through: n, by: 1) { logFactorial[i] = logFactorial[i - 1] + log(Double(i)) }
        let logHalfN = Double(n) * log(0.5)
        var terms: [Double] = []
        for i in 0...k { terms.append(logFactorial[n] - logFactorial[i] - logFactorial[n - i] + logHalfN) }
        let top = terms.max()!
        let tail = exp(top) * terms.reduce(0) { $0 + exp($1 - top) }
        return min(1, 2 * tail)
    }

    /// What the test says at `alpha`, given at least `minimumRows` rows.
    public func verdict(alpha: Double = 0.05, minimumRows: Int) -> Verdict {
        if rows < minimumRows { return .tooFewRows(rows: rows, minimum: minimumRows) }
        guard pValue < alpha else { return .noSignificantDifference }
        return candidateOnly > championOnly ? .candidateBetter : .championBetter
    }

    public enum Verdict: Sendable, Equatable, CustomStringConvertible {
        case candidateBetter, championBetter, noSignificantDifference
        case tooFewRows(rows: Int, minimum: Int)

        public var description: String {
            switch self {
            case .candidateBetter: "candidate significantly better"
            case .championBetter: "champion significantly better"
            case .noSignificantDifference: "no significant difference"
            case .tooFewRows(let rows, let minimum): "too few rows for a verdict (\(rows) < \(minimum))"
            }
        }
    }
}
