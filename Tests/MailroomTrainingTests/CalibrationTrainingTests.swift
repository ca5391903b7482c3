// CalibrationTrainingTests: `mailroom train`'s calibration on the generated data — temperatures fitted on held-out
// training rows, review thresholds that hold their precision target on the validation rows they never saw, the
// recipe a retrain inherits, and the errors a wrong request gets.
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomModels
import MailroomSampleData
import MailroomTraining
import Testing

@Suite struct CalibrationTrainingTests {
    static func request(rows: [DatasetRow], in dir: URL, version: String) throws -> TrainingRequest {
        let data = dir.appendingPathComponent("data-\(version).jsonl").path
        try JSONL.write(rows, to: data)
        var request = TrainingRequest(kind: .linear, dataPath: data, outputDirectory: dir.appendingPathComponent(version).path,
                                      version: version)
        request.linear.epochs = 60
        request.clean = false   // the rows are scored below as they are
        return request
    }

    @Test func calibratedTrainingMeetsItsReviewTargetOnRowsItNeverSaw() throws {
        let dir = try ModelTrainingTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = SampleDataGenerator.dataset(count: 2400, seed: 21, validationFraction: 0.3)
        var request = try Self.request(rows: rows, in: dir, version: "calibrated-1")
        request.calibration.holdout = 0.2
        // Line of business trades precision for coverage on this data; the others have a floor of label noise (about 4 %
        // of their labels are wrong at any confidence), so a target above that floor is unreachable.
        request.calibration.reviewTargets = ["line_of_business": 0.95, "topic": 0.9]
        var split: (Int, Int)?
        var fitted: ModelCalibration?
        let outcome = try ModelTraining.run(request) { event in
            if case .calibrationSplit(let f, let h, let refit) = event, refit { split = (f, h) }
            if case .calibrated(let c) = event { fitted = c }
        }
        let train = rows.filter { !$0.isValidation }.count
        let (fitRows, heldOut) = try #require(split)
        #expect(fitRows + heldOut == train && Double(heldOut) / Double(train) > 0.15 && Double(heldOut) / Double(train) < 0.25)
        #expect(outcome.record.parameters["calibration_holdout"] == "0.2")
        #expect(outcome.record.parameters["review_targets"] == "line_of_business=0.95,topic=0.9")

        // calibration.json travels in the model directory; the loader applies it.
        let calibration = try #require(try ModelCalibration.read(directory: outcome.directory, heads: try ModelLoader.load(directory: outcome.directory).heads))
        #expect(calibration == fitted)
        #expect(Set(calibration.heads.keys) == ["line_of_business", "queue", "topic"])
        for (head, c) in calibration.heads {
            #expect(c.rows == heldOut && c.temperature > 0.05 && c.temperature < 20, "\(head): \(c)")
            #expect(c.nllAfter <= c.nllBefore + 1e-9, "\(head): the fitted temperature cannot raise the held-out NLL")
        }
        #expect(calibration.heads["queue"]?.review == nil)
        let lobReview = try #require(calibration.heads["line_of_business"]?.review)
        #expect(lobReview.reachable && lobReview.precision >= 0.95 && lobReview.coverage > 0.2 && lobReview.coverage < 0.9, "\(lobReview)")

        // On the validation rows (never used to fit anything): confidences are better calibrated than the raw ones,
        // and the thresholds hold their targets within sampling noise.
        let report = try #require(outcome.validationReport)
        let raw = try Evaluator.evaluate(classifier: try ModelLoader.load(directory: outcome.directory, calibrated: false),
                                         rows: rows.filter(\.isValidation))
        var rawECE = 0.0, calibratedECE = 0.0
        for head in report.heads {
            let c = try #require(head.confidence), r = try #require(raw[head: head.name]?.confidence)
            #expect(c.temperature != nil && r.temperature == nil && r.review == nil)
            #expect(head.metrics == raw[head: head.name]?.metrics, "calibration never changes a predicted label")
            calibratedECE += c.ece; rawECE += r.ece
            print("calibration \(head.name): ECE raw \(r.ece) calibrated \(c.ece) T \(c.temperature!) review \(String(describing: c.review))")
        }
        #expect(calibratedECE < rawECE, "mean ECE over heads: raw \(rawECE / 3), calibrated \(calibratedECE / 3)")
        for head in ["line_of_business", "topic"] {
            let review = try #require(report[head: head]?.confidence?.review)
            let n = Double(report[head: head]!.metrics.count) * review.coverage
            let se = (review.targetPrecision * (1 - review.targetPrecision) / max(1, n)).squareRoot()
            #expect(try #require(review.precision) >= review.targetPrecision - 3 * se,
                    "\(head): precision \(review.precision!) on \(Int(n)) validation rows routed without review, target \(review.targetPrecision)")
            #expect(review.coverage > 0.2)
        }

        // The report shows it: the reliability diagram and the precision/coverage plot per head.
        let html = try String(contentsOfFile: "\(outcome.validationReportDirectory!)/report.html", encoding: .utf8)
        #expect(html.components(separatedBy: "aria-label=\"Reliability").count == 4)
        #expect(html.components(separatedBy: "aria-label=\"Precision against coverage\"").count == 4)
        let md = try String(contentsOfFile: "\(outcome.validationReportDirectory!)/report.md", encoding: .utf8)
        #expect(md.contains("review target precision 0.950"))

        // Predictions carry the calibrated confidence and the threshold the router applies.
        let model = try ModelLoader.load(directory: outcome.directory)
        let p = model.prediction(id: "x", output: try model.classify([rows[0].text])[0])
        #expect(p.heads["line_of_business"]?.reviewThreshold == lobReview.threshold && p.heads["queue"]?.reviewThreshold == nil)

        // Training again without calibration into the same directory leaves no stale calibration.json behind.
        request.calibration = CalibrationOptions()
        _ = try ModelTraining.run(request)
        #expect(!FileManager.default.fileExists(atPath: "\(outcome.directory)/\(ModelCalibration.fileName)"))
    }

    @Test func wrongCalibrationRequestsAreExplained() throws {
        let dir = try ModelTrainingTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = SampleDataGenerator.dataset(count: 120, seed: 3, validationFraction: 0)
        var request = try Self.request(rows: rows, in: dir, version: "bad")
        request.linear.epochs = 5
        request.calibration.reviewTargets = ["queue": 0.9]
        #expect(throws: TrainingError.reviewTargetsWithoutCalibration) { try ModelTraining.run(request) }
        request.calibration.holdout = 0.1
        request.calibration.reviewTargets = ["queues": 0.9]
        #expect(throws: TrainingError.reviewTargetUnknownHead("queues", heads: ["line_of_business", "queue", "topic"])) {
            try ModelTraining.run(request)
        }
        request.calibration.reviewTargets = ["queue": 1.5]
        #expect(throws: TrainingError.reviewTargetOutOfRange("queue", 1.5)) { try ModelTraining.run(request) }
        request.calibration.reviewTargets = ["queue": 0.9]
        #expect { try ModelTraining.run(request) } throws: { error in
            guard case TrainingError.calibrationTooFewRows(let n, 30, 0.1, _) = error else { return false }
            return n < 30 && "\(error)".contains("raise --calibration-holdout")
        }
        // Without targets, too few rows only skips calibration, saying so.
        request.calibration.reviewTargets = [:]
        var skipped: String?
        _ = try ModelTraining.run(request) { if case .calibrationSkipped(let why) = $0 { skipped = why } }
        #expect(skipped?.contains("at least 30 needed") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(request.outputDirectory)/\(ModelCalibration.fileName)"))
    }
}

/// Field selection: each head reads the structured fields only where they beat the text alone on the held-out rows.
@Suite struct FieldSelectionTests {
    /// `owner` follows the custodian bank alone; `kind` follows a word of the text alone.
    static func rows() -> [DatasetRow] {
        let banks: [String?] = ["Alpha Bank", "Beta Bank", nil]
        let owners = ["alpha", "beta", "direct"]
        let kinds = [("karte", "cards"), ("depot", "securities"), ("kredit", "loans"), ("konto", "accounts")]
        let filler = ["bitte", "danke", "frage", "termin", "heute", "morgen", "gerne", "schnell"]
        var rng = SeededGenerator(seed: 9)
        return (0..<600).map { i in
            // Random filler and kind, drawn independently of the custodian bank.
            let k = kinds[Int.random(in: 0..<4, using: &rng)]
            let text = (0..<3).map { _ in filler[Int.random(in: 0..<8, using: &rng)] }.joined(separator: " ") + " \(k.0)"
            return DatasetRow(id: "s-\(i)", subject: "", body: text, language: "de",
                              labels: ["owner": owners[i % 3], "kind": k.1], split: i % 6 == 0 ? "validation" : "train",
                              custodianBank: banks[i % 3])
        }
    }

    @Test func eachHeadReadsTheFieldsOnlyWhereTheyHelp() throws {
        let dir = try ModelTrainingTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = Self.rows()
        var request = try CalibrationTrainingTests.request(rows: rows, in: dir, version: "fields-1")
        request.fields = ["custodian_bank", "language"]
        request.calibration.holdout = 0.25
        var chosen: [String: Bool] = [:]
        let outcome = try ModelTraining.run(request) { if case .fieldsChosen(let h, _, _, let reads) = $0 { chosen[h] = reads } }
        print("field choices: \(outcome.record.parameters.filter { $0.key.hasPrefix("field") })")
        #expect(chosen == ["owner": true, "kind": false], "owner needs the custodian bank; kind is read off the text")
        #expect(outcome.record.parameters["field_heads"] == "owner" && outcome.record.parameters["fields"] == "custodian_bank,language")
        #expect(outcome.record.parameters["field_choice.kind"]?.contains("held-out rows") == true)
        let report = try #require(outcome.validationReport)
        #expect(report[head: "owner"]!.metrics.accuracy == 1 && report[head: "kind"]!.metrics.accuracy == 1)

        // The text-alone head's weights on the field features are zero: another custodian bank changes nothing there.
        let model = try ModelLoader.load(directory: outcome.directory)
        let a = try model.classify(inputs: [ModelInput(text: "bitte depot heute", language: "de", custodianBank: "Alpha Bank")])[0]
        let b = try model.classify(inputs: [ModelInput(text: "bitte depot heute", language: "en", custodianBank: nil)])[0]
        #expect(a.logits["kind"] == b.logits["kind"] && a.logits["owner"] != b.logits["owner"])

        // Without selection every head reads them.
        request.fieldSelection = false
        var asked = false
        let all = try ModelTraining.run(request) { if case .fieldsChosen = $0 { asked = true } }
        #expect(!asked && all.record.parameters["field_heads"] == nil)
    }
}
