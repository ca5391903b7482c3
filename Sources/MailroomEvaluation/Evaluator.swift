// Evaluator: runs any TextClassifier over labelled rows in batches and scores every head.
import Foundation
import MailroomCore

/// Errors evaluating a model.
public enum EvaluationError: Error, CustomStringConvertible, Equatable {
    case noRows
    case badBatchSize(Int)
    /// The model returned a different number of outputs than texts, or a head's logits have the wrong length.
    case badModelOutput(String)
    /// None of the rows carries a label for any of the model's heads.
    case noMatchingLabels(modelHeads: [String], dataHeads: [String])

    public var description: String {
        switch self {
        case .noRows: "no rows to evaluate; pass a JSONL file with labelled rows (use --split validation to pick the held-out rows)"
        case .badBatchSize(let b): "batch size must be at least 1, got \(b)"
        case .badModelOutput(let m): "the model returned malformed output: \(m); this is a bug in the model kind"
        case .noMatchingLabels(let m, let d):
            "the rows label heads \(d) but the model predicts \(m); evaluate with data for this model's heads"
        }
    }
}

/// Scores a classifier on labelled rows.
public enum Evaluator {
    /// Classifies `rows` in batches of `batchSize` and scores every model head on the rows that carry it.
    ///
    /// A row label the model does not know counts as an error (and is listed in ``HeadEvaluation/unknownLabels``).
    public static func evaluate(classifier: any TextClassifier, rows: [DatasetRow],
                                batchSize: Int = 64) throws -> EvaluationReport {
        try evaluateWithProfile(classifier: classifier, rows: rows, batchSize: batchSize).report
    }

    /// ``evaluate(classifier:rows:batchSize:)`` plus the rows' ``TrafficProfile`` (predicted labels, confidences and
    /// input mix), from the same single pass over the model.
    public static func evaluateWithProfile(classifier: any TextClassifier, rows: [DatasetRow],
                                           batchSize: Int = 64) throws -> (report: EvaluationReport, profile: TrafficProfile) {
        guard !rows.isEmpty else { throw EvaluationError.noRows }
        guard batchSize >= 1 else { throw EvaluationError.badBatchSize(batchSize) }
        let heads = classifier.heads
        let dataHeads = Set(rows.flatMap(\.labels.keys))
        guard heads.contains(where: { dataHeads.contains($0.name) }) else {
            throw EvaluationError.noMatchingLabels(modelHeads: heads.map(\.name), dataHeads: dataHeads.sorted())
        }

        let start = Date()
        var profile = TrafficProfile()
        // Per head, the confidence of each labelled row's prediction and whether it was right.
        var confidences = [[Double]](repeating: [], count: heads.count), correct = [[Bool]](repeating: [], count: heads.count)
        let predicted = try predictedLabels(classifier: classifier, rows: rows, batchSize: batchSize) { r, output in
            let p = classifier.prediction(id: rows[r].id, output: output)
            profile.add(labels: p.heads.mapValues(\.label), confidences: p.heads.mapValues(\.confidence),
                        language: rows[r].language, modelText: rows[r].text)
            for (h, head) in heads.enumerated() {
                guard let truth = rows[r].labels[head.name], let guess = p.heads[head.name] else { continue }
                confidences[h].append(guess.confidence); correct[h].append(guess.label == truth)
            }
        }
        let seconds = Date().timeIntervalSince(start)

        var evaluations: [HeadEvaluation] = []
        for (h, head) in heads.enumerated() {
            var truth: [String] = [], guesses: [String] = []
            for (r, row) in rows.enumerated() {
                guard let t = row.labels[head.name] else { continue }
                truth.append(t); guesses.append(predicted[h][r])
            }
            let known = Set(head.labels)
            evaluations.append(HeadEvaluation(
                name: head.name,
                metrics: ClassificationMetrics.compute(truth: truth, predicted: guesses, labels: head.labels),
                rowsWithoutLabel: rows.count - truth.count,
                unknownLabels: Set(truth).subtracting(known).sorted(),
                confidence: ConfidenceFigures.compute(confidences: confidences[h], correct: correct[h],
                                                      calibration: classifier.calibration?.heads[head.name])))
        }
        return (EvaluationReport(modelKind: classifier.kind, modelVersion: classifier.version, rowCount: rows.count,
                                 seconds: seconds, heads: evaluations), profile)
    }

    /// The arg-max label of every model head for every row: `result[h][r]` for head `h` of `classifier.heads`.
    /// - Parameter observe: called with each row's index and model output, in row order.
    public static func predictedLabels(classifier: any TextClassifier, rows: [DatasetRow], batchSize: Int = 64,
                                       observe: (Int, ModelOutput) -> Void = { _, _ in }) throws -> [[String]] {
        guard batchSize >= 1 else { throw EvaluationError.badBatchSize(batchSize) }
        let heads = classifier.heads
        var predicted = [[String]](repeating: [], count: heads.count)
        var offset = 0
        while offset < rows.count {
            let batch = rows[offset ..< min(offset + batchSize, rows.count)]
            let outputs = try classifier.classify(inputs: batch.map(\.input))
            guard outputs.count == batch.count else {
                throw EvaluationError.badModelOutput("\(outputs.count) outputs for \(batch.count) texts")
            }
            for (h, head) in heads.enumerated() {
                for out in outputs {
                    guard let z = out.logits[head.name], z.count == head.labels.count else {
                        throw EvaluationError.badModelOutput("head \(head.name) has no logits of length \(head.labels.count)")
                    }
                    var best = 0
                    for i in 1..<z.count where z[i] > z[best] { best = i }
                    predicted[h].append(head.labels[best])
                }
            }
            for (i, out) in outputs.enumerated() { observe(offset + i, out) }
            offset += batch.count
        }
        return predicted
    }
}
