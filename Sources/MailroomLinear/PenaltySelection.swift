// PenaltySelection: chooses each head's L2 penalty by stratified k-fold cross-validation on the training rows only.
import Foundation
import MailroomCore

/// The penalty (and naive-Bayes scaling) a head was given and the cross-validated macro-F1 behind the choice.
public struct PenaltyChoice: Sendable, Equatable {
    /// The chosen L2 penalty (one of ``CrossValidationGrid/penalties``, or a grid-edge extension of it; see
    /// ``CrossValidationGrid/edgeExtensions``).
    public var l2: Float
    /// Mean held-out macro-F1 per penalty tried (grid and extensions) at the chosen scaling (K-fold CV on training
    /// rows).
    public var scores: [Float: Double]
    /// The chosen naive-Bayes scaling exponent (one of ``CrossValidationGrid/naiveBayesExponents``, or the fixed
    /// ``LinearTrainingOptions/naiveBayesScaling`` when the grid offers none).
    public var naiveBayes: Double = 0
    /// Best mean held-out macro-F1 per scaling exponent (empty when only one was tried).
    public var naiveBayesScores: [Double: Double] = [:]
}

enum PenaltySelection {
    /// Stratified fold of every kept row (N): rows are shuffled with `seed`, grouped by class, then dealt
    /// round-robin so every fold holds about 1/k of each class.
    static func folds(targets: [Int], k: Int, seed: UInt64) -> [Int] {
        var order = Array(targets.indices)
        var rng = SeededGenerator(seed: seed)
        rng.shuffle(&order)
        // Stable grouping by class keeps the shuffled order inside each class.
        let grouped = order.enumerated().sorted { a, b in
            targets[a.element] != targets[b.element] ? targets[a.element] < targets[b.element] : a.offset < b.offset
        }
        var fold = [Int](repeating: 0, count: targets.count)
        for (position, entry) in grouped.enumerated() { fold[entry.element] = position % k }
        return fold
    }

    /// Picks the penalty in `grid` with the best mean held-out macro-F1 (ties: the larger penalty). When the best is
    /// the grid's strongest (weakest) penalty, the grid is extended by doubling (halving) it, up to `edgeExtensions`
    /// times per side and exponent (``CrossValidationGrid/edgeExtensions``; only for a grid of two or more).
    ///
    /// - Parameters:
    ///   - x: feature rows (all training rows; never validation rows).
    ///   - rows: indices into `x` of the rows that carry this head (N), `targets` their classes (N).
    ///   - scalings: naive-Bayes exponents to try with every penalty (``NaiveBayesScaling``; 0 = none); each
    ///     fold's scales come from that fold's training part only.
    static func choose(spec: HeadSpec, featureCount: Int, x: SparseRows, rows: [Int], targets: [Int],
                       grid: [Float], scalings: [Double] = [0], k: Int, edgeExtensions: Int = 0,
                       options: LinearTrainingOptions,
                       onFit: (_ done: Int, _ total: Int) -> Void = { _, _ in }) -> PenaltyChoice {
        let penalties = Array(Set(grid.isEmpty ? [options.l2] : grid)).sorted(by: >)
        let exponents = Array(Set(scalings.isEmpty ? [0] : scalings)).sorted()
        guard penalties.count * exponents.count > 1, k >= 2, rows.count >= 2 * k else {
            return PenaltyChoice(l2: penalties[0], scores: [:], naiveBayes: exponents[0])
        }
        var best: PenaltyChoice?
        var bestScore = -1.0
        var perExponent: [Double: Double] = [:]
        // Fits planned so far; each grid-edge extension adds k more (the total grows as they happen).
        var total = exponents.count * k * penalties.count
        var done = 0
        onFit(0, total)
        for gamma in exponents {
            var tried = penalties
            var sums = foldScores(spec: spec, featureCount: featureCount, x: x, rows: rows, targets: targets,
                                  penalties: tried, gamma: gamma, k: k, options: options) { d in
                onFit(done + d, total)
            }
            done += k * tried.count
            extendPastEdges(&tried, sums: &sums, extensions: edgeExtensions) { next in
                total += k
                let sum = foldScores(spec: spec, featureCount: featureCount, x: x, rows: rows, targets: targets,
                                     penalties: [next], gamma: gamma, k: k, options: options) { d in
                    onFit(done + d, total)
                }[0]
                done += k
                return sum
            }
            let top = bestIndex(sums)
            var scores: [Float: Double] = [:]
            for (p, penalty) in tried.enumerated() { scores[penalty] = sums[p] / Double(k) }
            perExponent[gamma] = sums[top] / Double(k)
            // Ties keep the smaller exponent (tried first), then the larger penalty.
            if sums[top] > bestScore + 1e-12 {
                bestScore = sums[top]
                best = PenaltyChoice(l2: tried[top], scores: scores, naiveBayes: gamma)
            }
        }
        var choice = best!
        if exponents.count > 1 { choice.naiveBayesScores = perExponent }
        return choice
    }

    /// A best penalty at the edge of what was tried is not an optimum: while the best of `tried` (strongest first,
    /// `sums` its scores) is the strongest, score one twice as strong; while it is the weakest, one half as strong;
    /// at most `extensions` times per side. New penalties join `tried` and `sums` at their end of the order.
    static func extendPastEdges(_ tried: inout [Float], sums: inout [Double], extensions: Int,
                                score: (Float) -> Double) {
        var stronger = 0, weaker = 0
        while tried.count > 1 {
            let top = bestIndex(sums)
            if top == 0, stronger < extensions, tried[0] > 0 {
                stronger += 1
                let next = tried[0] * 2
                sums.insert(score(next), at: 0)
                tried.insert(next, at: 0)
            } else if top == tried.count - 1, weaker < extensions, tried[top] > 0 {
                weaker += 1
                let next = tried[top] / 2
                sums.append(score(next))
                tried.append(next)
            } else {
                return
            }
        }
    }

    /// Index of the largest summed score (`sums` ordered strongest penalty first; ties keep the stronger penalty).
    static func bestIndex(_ sums: [Double]) -> Int {
        var top = 0
        for p in sums.indices where sums[p] > sums[top] + 1e-12 { top = p }
        return top
    }

    /// Summed held-out macro-F1 over the k folds for each penalty (strongest first), features scaled by `gamma`.
    static func foldScores(spec: HeadSpec, featureCount: Int, x: SparseRows, rows: [Int], targets: [Int],
                           penalties: [Float], gamma: Double, k: Int, options: LinearTrainingOptions,
                           onFit: (_ done: Int) -> Void = { _ in }) -> [Double] {
        let fold = folds(targets: targets, k: k, seed: options.seed ^ 0xC0FF_EE00)
        var sums = [Double](repeating: 0, count: penalties.count)
        for f in 0..<k {
            let trainIdx = rows.indices.filter { fold[$0] != f }
            let testIdx = rows.indices.filter { fold[$0] == f }
            let trainTargets = trainIdx.map { targets[$0] }
            // The fold's naive-Bayes scales come from its training part only.
            let x = gamma > 0
                ? NaiveBayesScaling.scaled(x, by: NaiveBayesScaling.scales(
                    x: x, rows: trainIdx.map { rows[$0] }, targets: trainTargets,
                    classCount: spec.labels.count, featureCount: featureCount, exponent: gamma))
                : x
            var head = LBFGSHead(spec: spec, featureCount: featureCount, rows: trainIdx.map { rows[$0] },
                                 targets: trainTargets,
                                 classWeights: options.classWeighting.weights(classIndices: trainTargets,
                                                                              classCount: spec.labels.count),
                                 l2: penalties[0], threads: options.threads)
            // Strongest penalty first; each fit warm-starts from the previous (a regularisation path).
            var previous: [Float]?
            for (p, penalty) in penalties.enumerated() {
                head.l2 = penalty
                let theta = head.fit(x: x, iterations: options.epochs, start: previous) { _, _ in }
                previous = theta
                let weights = head.weights(theta)
                let predicted = testIdx.map { weights.predict(x.row(rows[$0])) }
                sums[p] += macroF1(truth: testIdx.map { targets[$0] }, predicted: predicted,
                                   classCount: spec.labels.count)
                onFit(f * penalties.count + p + 1)
            }
        }
        return sums
    }

    /// Macro-F1 over the classes that occur in `truth` or `predicted` (as scikit-learn's default), by
    /// ``ClassificationMetrics`` from the class indices' confusion matrix.
    static func macroF1(truth: [Int], predicted: [Int], classCount: Int) -> Double {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for (t, p) in zip(truth, predicted) { confusion[t][p] += 1 }
        return ClassificationMetrics.fromConfusion(confusion, labels: (0..<classCount).map(String.init)).macro.f1
    }
}
