// CrossValidationGrid: what per-head cross-validation chooses from (penalties, naive-Bayes exponents) and how.
import Foundation

/// The choices ``LinearTrainingOptions/crossValidation`` offers each head, and the folds that score them.
public struct CrossValidationGrid: Sendable, Equatable {
    /// L2 penalties to choose from; empty: the fixed ``LinearTrainingOptions/l2``.
    public var penalties: [Float]
    /// Naive-Bayes scaling exponents to choose from (0 = none); empty: the fixed
    /// ``LinearTrainingOptions/naiveBayesScaling``.
    public var naiveBayesExponents: [Double]
    /// Stratified folds (at least 2).
    public var folds: Int = 3
    /// When a head's best penalty is the strongest (or weakest) tried, one twice as strong (or half as strong) is
    /// tried as well, and so on, at most this many times per side, so the choice is not clipped by the grid's range.
    /// 0 keeps the choice inside ``penalties``.
    public var edgeExtensions: Int = 3

    public init(penalties: [Float], naiveBayesExponents: [Double], folds: Int = 3, edgeExtensions: Int = 3) {
        self.penalties = penalties; self.naiveBayesExponents = naiveBayesExponents
        self.folds = folds; self.edgeExtensions = edgeExtensions
    }

    /// `mailroom train --select-by-cv` and `Benchmarks/bench-linear`: λ from 0.1–1.0 (extended past its edges) and
    /// naive-Bayes scaling off or square-root, by 3-fold CV (BENCHMARKS.md, "Linear model").
    public static let standard = CrossValidationGrid(penalties: [0.1, 0.2, 0.3, 0.5, 1.0], naiveBayesExponents: [0, 0.5])

    /// Checks ranges; throws ``LinearError/invalidOption(_:)`` naming the bad setting.
    func validate() throws(LinearError) {
        guard penalties.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw .invalidOption("cross-validation penalties must be zero or positive, got \(penalties)")
        }
        guard naiveBayesExponents.allSatisfy({ $0 >= 0 && $0 <= 4 }) else {
            throw .invalidOption("cross-validation naive-Bayes exponents must be between 0 (off) and 4, got "
                                 + "\(naiveBayesExponents)")
        }
        guard (0...8).contains(edgeExtensions) else {
            throw .invalidOption("cross-validation edgeExtensions must be between 0 and 8, got \(edgeExtensions)")
        }
        guard folds >= 2 else { throw .invalidOption("cross-validation folds must be at least 2, got \(folds)") }
    }
}
