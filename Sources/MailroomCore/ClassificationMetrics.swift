// ClassificationMetrics: accuracy, per-class precision/recall/F1, macro/weighted averages and the confusion matrix.
import Foundation

/// Precision, recall, F1 and support of one class (or an average over classes).
public struct ClassMetrics: Codable, Sendable, Equatable {
    public var precision: Double
    public var recall: Double
    public var f1: Double
    /// Number of true rows of this class (for an average: of all classes it covers).
    public var support: Int

    public init(precision: Double, recall: Double, f1: Double, support: Int) {
        self.precision = precision; self.recall = recall; self.f1 = f1; self.support = support
    }
}

/// The scores of one head's predictions against the truth, as scikit-learn's
/// `classification_report` and `confusion_matrix` compute them (zero division counts as 0).
///
/// `macro` and `weighted` average over the *active* labels: those that occur in the truth or in the
/// predictions (scikit-learn's `f1_score(average="macro")` without `labels=`). A label of the label
/// list that never occurs in either still gets a row in ``perClass`` and ``confusion`` (all zeros).
public struct ClassificationMetrics: Codable, Sendable, Equatable {
    /// Label order of ``perClass`` and of both axes of ``confusion``.
    public var labels: [String]
    /// Fraction of rows whose prediction equals the truth.
    public var accuracy: Double
    /// Per label, in ``labels`` order.
    public var perClass: [ClassMetrics]
    /// Unweighted mean over active labels.
    public var macro: ClassMetrics
    /// Support-weighted mean over active labels.
    public var weighted: ClassMetrics
    /// `confusion[t][p]`: rows whose truth is `labels[t]` and prediction `labels[p]`. Shape (L, L).
    public var confusion: [[Int]]
    /// Number of rows scored.
    public var count: Int

    enum CodingKeys: String, CodingKey {
        case labels, accuracy, macro, weighted, confusion, count
        case perClass = "per_class"
    }

    /// Scores `predicted` against `truth` (same length, same row order).
    ///
    /// - Parameters:
    ///   - truth: the true label of each row.
    ///   - predicted: the predicted label of each row.
    ///   - labels: the label order to report in; labels found in the data but missing here are appended sorted.
    ///     `nil` means every label seen in `truth` or `predicted`, sorted.
    /// > Warning: `truth` and `predicted` must have the same length; a mismatch is a caller bug and traps.
    public static func compute(truth: [String], predicted: [String], labels: [String]? = nil) -> ClassificationMetrics {
        precondition(truth.count == predicted.count,
                     "ClassificationMetrics: \(truth.count) truths but \(predicted.count) predictions; this is a bug")
        var order = labels ?? []
        var index: [String: Int] = [:]
        for (i, l) in order.enumerated() where index[l] == nil { index[l] = i }
        let extra = Set(truth).union(predicted).filter { index[$0] == nil }.sorted()
        for l in extra { index[l] = order.count; order.append(l) }

        let n = order.count
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: n), count: n)
        var correct = 0
        for (t, p) in zip(truth, predicted) {
            confusion[index[t]!][index[p]!] += 1
            if t == p { correct += 1 }
        }
        return fromConfusion(confusion, labels: order, correct: correct, count: truth.count)
    }

    /// Macro-F1 of label indices (0..<classCount) on `rows` (every row when nil): the blend's and `--kind auto`'s
    /// score, with the same classes counted as ``fromConfusion(_:labels:)``.
    public static func macroF1(truth: [Int], predicted: [Int], classCount: Int, rows: [Int]? = nil) -> Double {
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
        for r in rows ?? Array(truth.indices) { confusion[truth[r]][predicted[r]] += 1 }
        return fromConfusion(confusion, labels: (0..<classCount).map(String.init)).macro.f1
    }

    /// Scores from a ready confusion matrix `confusion[truth][predicted]` of shape (L, L).
    public static func fromConfusion(_ confusion: [[Int]], labels: [String]) -> ClassificationMetrics {
        precondition(confusion.count == labels.count && confusion.allSatisfy { $0.count == labels.count },
                     "ClassificationMetrics: confusion matrix is not \(labels.count)×\(labels.count); this is a bug")
        let correct = labels.indices.reduce(0) { $0 + confusion[$1][$1] }
        let count = confusion.reduce(0) { $0 + $1.reduce(0, +) }
        return fromConfusion(confusion, labels: labels, correct: correct, count: count)
    }

    private static func fromConfusion(_ confusion: [[Int]], labels: [String], correct: Int,
                                      count: Int) -> ClassificationMetrics {
        let n = labels.count
        var perClass: [ClassMetrics] = []
        var active: [Int] = []
        for k in 0..<n {
            let support = confusion[k].reduce(0, +)
            var predictedK = 0
            for t in 0..<n { predictedK += confusion[t][k] }
            let tp = Double(confusion[k][k])
            let precision = predictedK > 0 ? tp / Double(predictedK) : 0
            let recall = support > 0 ? tp / Double(support) : 0
            perClass.append(ClassMetrics(precision: precision, recall: recall,
                                         f1: harmonicMean(precision, recall), support: support))
            if support > 0 || predictedK > 0 { active.append(k) }
        }
        let totalSupport = active.reduce(0) { $0 + perClass[$1].support }
        func average(_ weight: (ClassMetrics) -> Double) -> ClassMetrics {
            let weights = active.map { weight(perClass[$0]) }
            let sum = weights.reduce(0, +)
            guard sum > 0 else { return ClassMetrics(precision: 0, recall: 0, f1: 0, support: totalSupport) }
            var p = 0.0, r = 0.0, f = 0.0
            for (k, w) in zip(active, weights) {
                p += w * perClass[k].precision; r += w * perClass[k].recall; f += w * perClass[k].f1
            }
            return ClassMetrics(precision: p / sum, recall: r / sum, f1: f / sum, support: totalSupport)
        }
        return ClassificationMetrics(
            labels: labels, accuracy: count > 0 ? Double(correct) / Double(count) : 0,
            perClass: perClass, macro: average { _ in 1 }, weighted: average { Double($0.support) },
            confusion: confusion, count: count)
    }

    public init(labels: [String], accuracy: Double, perClass: [ClassMetrics], macro: ClassMetrics,
                weighted: ClassMetrics, confusion: [[Int]], count: Int) {
        self.labels = labels; self.accuracy = accuracy; self.perClass = perClass; self.macro = macro
        self.weighted = weighted; self.confusion = confusion; self.count = count
    }

    /// F1 from precision and recall: 2pr / (p + r), or 0 when both are 0.
    private static func harmonicMean(_ p: Double, _ r: Double) -> Double {
        p + r > 0 ? 2 * p * r / (p + r) : 0
    }
}
