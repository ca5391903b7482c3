// LinearError: what can go wrong training, loading or saving a linear model, with what to do next.
import Foundation

/// Errors of the linear model kind. Each message says how to fix the input.
public enum LinearError: Error, CustomStringConvertible, Equatable {
    /// No training rows were given (all rows were validation rows, or the file was empty).
    case noTrainingRows
    /// No row carries any label, so there is no head to train.
    case noLabels
    /// A head has only one label among the training rows: nothing to learn.
    case singleLabel(head: String, label: String)
    /// Options out of range (buckets not a power of two, non-positive learning rate, …).
    case invalidOption(String)
    /// No training row produced a feature that occurs in at least `minDocumentFrequency` rows.
    case noFeatures(minDocumentFrequency: Int)
    /// The weights file is not a linear-model weights file, or is damaged.
    case badWeights(path: String, reason: String)
    /// The directory's config.json describes another kind of model.
    case wrongKind(directory: String, kind: String)

    public var description: String {
        switch self {
        case .noTrainingRows:
            "no training rows: every row has split \"validation\" or the data is empty; give rows with split \"train\" (or no split)"
        case .noLabels:
            "no row has labels; each row needs a \"labels\" object such as {\"queue\": \"Payments\"}"
        case .singleLabel(let head, let label):
            "head \"\(head)\" has a single label (\"\(label)\") in the training rows; a head needs at least two labels, so add rows with other labels or drop the head"
        case .invalidOption(let m): "invalid linear training option: \(m)"
        case .noFeatures(let minDF):
            "no feature occurs in at least \(minDF) training rows; add more rows or lower minDocumentFrequency"
        case .badWeights(let path, let reason):
            "\(path) is not a valid linear weights file (\(reason)); retrain with `mailroom train --kind linear`"
        case .wrongKind(let directory, let kind):
            "\(directory) holds a \"\(kind)\" model, not a linear one; load it with the loader for \(kind) models"
        }
    }
}
