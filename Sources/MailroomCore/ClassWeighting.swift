// ClassWeighting: how a trainer weighs the classes of a head in its loss; the one definition both trainers use.
import Foundation

/// How rare classes are weighted in a training loss (`mailroom train --class-weighting`).
public enum ClassWeighting: String, Codable, Sendable, CaseIterable {
    /// scikit-learn's `class_weight="balanced"`: class c weighs n / (K · n_c), where n counts the head's labelled
    /// training rows, n_c those of class c, and K the classes that occur among them (scikit-learn's
    /// `len(np.unique(y))`). A label of the head that no training row carries is not counted in K and weighs 1
    /// (it has no row to weigh). This is the peer's setting in BENCHMARKS.md.
    case balanced
    /// Every row weighs 1.
    case none

    /// Loss weight per class (K) of one head.
    ///
    /// Only the ratios matter to a loss that divides by the summed weights (the transformer's, as PyTorch's weighted
    /// cross-entropy); the linear model's summed loss is measured against its L2 penalty, so there K matters too.
    /// - Parameters:
    ///   - classIndices: the class index of each training row (N), or −1 where the row has no label for the head.
    ///   - classCount: the head's number of labels (K).
    public func weights(classIndices: some Sequence<Int>, classCount: Int) -> [Float] {
        guard self == .balanced else { return [Float](repeating: 1, count: classCount) }
        var counts = [Int](repeating: 0, count: classCount)
        for c in classIndices where c >= 0 {
            precondition(c < classCount, "class index \(c) of \(classCount) classes; this is a bug")
            counts[c] += 1
        }
        let total = Float(counts.reduce(0, +))
        let present = Float(counts.filter { $0 > 0 }.count)
        return counts.map { $0 > 0 ? total / (present * Float($0)) : 1 }
    }
}
