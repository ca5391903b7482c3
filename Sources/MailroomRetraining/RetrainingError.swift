// RetrainingError: what stops `mailroom retrain`, each with what to do about it.
import Foundation

public enum RetrainingError: Error, Equatable, CustomStringConvertible {
    case badLabelMap(path: String, line: Int, reason: String)
    case alreadyRunning(pid: Int32, since: String, lock: String)
    case noChampion(registry: String)
    case noHoldout(closedCases: Int)
    case noTrainingRows
    case noFeedbackStore(path: String)
    case noPairedCases(champion: String, candidate: String)

    public var description: String {
        switch self {
        case .badLabelMap(let path, let line, let reason):
            line > 0 ? "\(path):\(line): \(reason)" : "\(path): \(reason)"
        case .alreadyRunning(let pid, let since, let lock):
            "another retrain is running (pid \(pid), since \(since)); wait for it, or remove \(lock) if that process is gone"
        case .noChampion(let registry):
            "no served model in \(registry): promote one first (`mailroom registry promote VERSION`); the candidate is trained with its recipe and compared with it"
        case .noHoldout(let n):
            "no closed cases to hold out (the feedback store has \(n)): the candidate and the champion are compared on the most recent closed cases; send feedback first, or lower --holdout-days"
        case .noTrainingRows:
            "no rows to train on: give --history, or wait for more closed cases"
        case .noFeedbackStore(let path):
            "no feedback store at \(path): give the topology's `database` (--database), where the feedback-collector records closed cases"
        case .noPairedCases(let a, let b):
            "no closed case has predictions of both \(a) and \(b) yet: run the candidate in shadow (`mailroom registry shadow \(b)`) and wait for closed-case feedback"
        }
    }
}
