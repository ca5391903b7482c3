// RetrainingSet: the next model's data, built from the history dataset and the feedback store's closed cases.
// The agents' final labels win over the history's (one row per id), the closed cases' text is the cleaned text
// exactly as served, the most recent closed cases are held out for the comparison, and label evolution (new
// classes, renames, retirements) is applied and reported.
import Foundation
import MailroomCore
import MailroomStore

public struct RetrainingOptions: Sendable, Equatable {
    /// Hold out the closed cases from the last this many days (counted back from the latest case); nil: use
    /// ``holdoutFraction``.
    public var holdoutDays: Double?
    /// The most recent share of the closed cases held out, when ``holdoutDays`` is nil.
    public var holdoutFraction = 0.2
    /// A label that the champion does not have becomes a new class once this many training rows carry it;
    /// below that it waits (those rows train their other heads only).
    public var minimumNewLabelRows = 20
    public var labelMap = LabelMap()
    public init() {}
}

/// One head's label changes between the champion and the candidate's data.
public struct LabelChange: Codable, Sendable, Equatable {
    public var head: String
    /// New classes (label → training rows).
    public var added: [String: Int]
    /// New labels below the minimum (label → training rows); they wait for more cases.
    public var waiting: [String: Int]
    /// Renamed labels (old → new) that occurred in the data.
    public var renamed: [String: String]
    /// Retired labels dropped from the data (label → rows affected).
    public var retired: [String: Int]
    /// The champion's labels with no training row left (the candidate will not have them).
    public var gone: [String]

    public var isEmpty: Bool { added.isEmpty && waiting.isEmpty && renamed.isEmpty && retired.isEmpty && gone.isEmpty }
}

public struct RetrainingSet: Sendable {
    /// Rows the candidate trains on (history rows keep their split; closed cases train).
    public var train: [DatasetRow]
    /// The most recent closed cases with their agents' labels: both models are scored on them.
    public var holdout: [DatasetRow]
    /// Rows per source: `history`, `history replaced by a closed case`, `closed cases`, `closed cases held out`.
    public var sources: [String: Int]
    /// Head → label → training rows.
    public var labelCounts: [String: [String: Int]]
    public var labelChanges: [LabelChange]
    /// The time the holdout starts at (Unix ms): every held-out case closed at or after it.
    public var holdoutFromUnixMs: Int64

    /// - Parameters:
    ///   - history: the history dataset's rows, already cleaned as the model reads them.
    ///   - closed: the feedback store's closed cases (the served cleaned text and the agents' labels).
    ///   - champion: the served model's heads, for label evolution.
    /// - Throws: ``RetrainingError/noHoldout(closedCases:)`` when no closed case can be held out.
    public static func build(history: [DatasetRow], closed: [ClosedCase], champion: [HeadSpec],
                             options: RetrainingOptions) throws -> RetrainingSet {
        let clock = CaseClock()
        let ordered = closed.map { ($0, clock.time(of: $0)) }.sorted { ($0.1, $0.0.id) < ($1.1, $1.0.id) }
        guard let latest = ordered.last?.1 else { throw RetrainingError.noHoldout(closedCases: 0) }
        let cut: Int
        if let days = options.holdoutDays {
            let from = latest - Int64(days * 86_400_000)
            cut = ordered.firstIndex { $0.1 >= from } ?? ordered.count
        } else {
            let held = max(1, Int((Double(ordered.count) * options.holdoutFraction).rounded(.up)))
            cut = max(0, ordered.count - held)
        }
        guard cut < ordered.count else { throw RetrainingError.noHoldout(closedCases: closed.count) }
        let map = options.labelMap
        func mapped(_ labels: [String: String]) -> [String: String] {
            var out: [String: String] = [:]
            for (head, label) in labels { if let l = map.apply(head: head, label: label) { out[head] = l } }
            return out
        }
        func row(_ c: ClosedCase, split: String) -> DatasetRow {
            DatasetRow(id: c.id, subject: c.subject, body: c.text, language: c.language, labels: mapped(c.truth), split: split,
                       custodianBank: c.custodianBank)
        }
        let heldOut = ordered[cut...].map { row($0.0, split: "validation") }
        let closedTrain = ordered[..<cut].map { row($0.0, split: "train") }
        let closedIDs = Set(closed.map(\.id))
        let keptHistory = history.filter { !closedIDs.contains($0.id) }.map { r -> DatasetRow in
            var r = r
            r.labels = mapped(r.labels)
            return r
        }
        var train = keptHistory + closedTrain

        // Label evolution, head by head, on the training rows. `original`: how often each (head, label) occurs in
        // the data before the label map (for the renames and retirements the report lists).
        var original: [String: [String: Int]] = [:]
        for labels in history.map(\.labels) + closed.map(\.truth) {
            for (h, l) in labels { original[h, default: [:]][l, default: 0] += 1 }
        }
        var changes: [LabelChange] = []
        let heads = Set(train.flatMap(\.labels.keys)).union(champion.map(\.name)).sorted()
        for head in heads {
            let known = Set(champion.first { $0.name == head }?.labels ?? [])
            var counts: [String: Int] = [:]
            for r in train { if let l = r.labels[head] { counts[l, default: 0] += 1 } }
            var change = LabelChange(head: head, added: [:], waiting: [:], renamed: [:], retired: [:], gone: [])
            for (label, n) in counts where !known.contains(label) {
                if n >= options.minimumNewLabelRows { change.added[label] = n } else { change.waiting[label] = n }
            }
            for (old, new) in map.renames[head] ?? [:] where original[head]?[old] != nil { change.renamed[old] = new }
            for label in map.retired[head] ?? [] {
                if let n = original[head]?[label] { change.retired[label] = n }
            }
            change.gone = known.filter { counts[$0] == nil }.sorted()
            if !change.waiting.isEmpty {
                let waiting = Set(change.waiting.keys)
                for i in train.indices where train[i].labels[head].map(waiting.contains) == true { train[i].labels[head] = nil }
            }
            if !change.isEmpty { changes.append(change) }
        }
        train.removeAll { $0.labels.isEmpty }
        guard !train.isEmpty else { throw RetrainingError.noTrainingRows }

        var labelCounts: [String: [String: Int]] = [:]
        for r in train { for (h, l) in r.labels { labelCounts[h, default: [:]][l, default: 0] += 1 } }
        return RetrainingSet(
            train: train, holdout: heldOut,
            sources: ["history": keptHistory.count, "history replaced by a closed case": history.count - keptHistory.count,
                      "closed cases": closedTrain.count, "closed cases held out": heldOut.count],
            labelCounts: labelCounts, labelChanges: changes, holdoutFromUnixMs: ordered[cut].1)
    }

}
