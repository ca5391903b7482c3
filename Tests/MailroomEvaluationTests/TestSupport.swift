// TestSupport: a stand-in classifier with known mistakes and generated rows, so the evaluator is tested without
// training any model kind.
import Foundation
import MailroomCore
import MailroomSampleData

/// A fresh temporary directory, unique per call.
func temporaryDirectory(_ name: String) -> String {
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("mailroom-evaluation-tests-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// 900 generated rows (seed 7): ~15 % validation.
let generatedRows = SampleDataGenerator.dataset(count: 900, seed: 7, validationFraction: 0.15)

/// Answers each text with the labels its row carries, except for texts whose length is a multiple of `wrongEvery`:
/// those get the next label of every head. Heads are those of the rows it was built from.
final class LookupClassifier: TextClassifier, Sendable {
    let kind = "lookup"
    let version: String
    let heads: [HeadSpec]
    private let answers: [String: [String: String]]
    private let wrongEvery: Int

    init(rows: [DatasetRow], version: String = "lookup-1", wrongEvery: Int = 4) {
        self.version = version
        heads = HeadSpec.heads(of: rows)
        var answers: [String: [String: String]] = [:]
        for row in rows { answers[row.text] = row.labels }
        self.answers = answers
        self.wrongEvery = wrongEvery
    }

    func classify(_ texts: [String]) throws -> [ModelOutput] {
        texts.map { text in
            var logits: [String: [Float]] = [:]
            for head in heads {
                var z = [Float](repeating: 0, count: head.labels.count)
                let truth = answers[text]?[head.name].flatMap { head.labels.firstIndex(of: $0) } ?? 0
                let answer = text.count % wrongEvery == 0 ? (truth + 1) % head.labels.count : truth
                z[answer] = 1
                logits[head.name] = z
            }
            return ModelOutput(logits: logits)
        }
    }
}

/// The stand-in model for `generatedRows`, shared by read-only tests.
let sharedModel = LookupClassifier(rows: generatedRows)
