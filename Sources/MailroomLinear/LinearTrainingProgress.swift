// LinearTrainingProgress: what the linear trainer reports while it runs (for progress bars and bench lines).
import Foundation

/// One event of a linear training run, sent on the calling thread, in this order: ``featuresBuilt(features:rows:)``
/// once, then per head ``headStarted(head:index:count:)``, with cross-validation ``crossValidationFit(head:done:total:)``
/// and ``penaltyChosen(head:choice:)``, then ``iteration(head:iteration:of:loss:)`` for its final fit.
public enum LinearTrainingProgress: Sendable {
    /// The feature space is learned: `features` hashing buckets kept from `rows` training rows.
    case featuresBuilt(features: Int, rows: Int)
    /// Head `index` (0-based) of `count` starts (heads are fitted one after the other, in name order).
    case headStarted(head: String, index: Int, count: Int)
    /// With ``LinearTrainingOptions/crossValidation``: fits done so far for the head and how many are planned (sent
    /// before the first and after each; the total grows by one fold set per grid-edge extension).
    case crossValidationFit(head: String, done: Int, total: Int)
    /// With ``LinearTrainingOptions/crossValidation``: what it chose for the head, before the head's final fit.
    case penaltyChosen(head: String, choice: PenaltyChoice)
    /// One L-BFGS iteration (1-based, at most `of`) of the head's final fit; `loss` is its penalised objective divided
    /// by its row count.
    case iteration(head: String, iteration: Int, of: Int, loss: Double)
}
