// Tests of the evaluator, the report files and report comparison.
import Foundation
import MailroomCore
import MailroomEvaluation
import Testing

@Suite struct EvaluationTests {
    @Test func reportFilesHoldExpectedSections() throws {
        let rows = generatedRows.filter(\.isValidation)
        let report = try Evaluator.evaluate(classifier: sharedModel, rows: rows, batchSize: 7)
        #expect(report.rowCount == rows.count)
        #expect(report.heads.map(\.name) == ["line_of_business", "queue", "topic"])
        let dir = temporaryDirectory("report")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try report.write(to: dir)
        let md = try String(contentsOfFile: dir + "/report.md", encoding: .utf8)
        #expect(md.contains("## Summary") && md.contains("## Head `topic`") && md.contains("macro avg")
                && md.contains("weighted avg") && md.contains("Confusion matrix"))
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<svg") && html.contains("rotate(-45)") && html.contains("Access &amp; Security"))
        #expect(!html.contains("<link") && !html.contains("src=") && !html.contains("https://"))   // self-contained
        #expect(html.components(separatedBy: "aria-label=\"confusion matrix\"").count == 4)         // one heat map per head
        #expect(html.components(separatedBy: "aria-label=\"Reliability").count == 4)               // one reliability diagram
        #expect(html.components(separatedBy: "aria-label=\"Precision against coverage\"").count == 4)
        #expect(md.contains("### Confidence") && md.contains("ECE ") && md.contains("(uncalibrated)"))
        let back = try EvaluationReport.read(from: dir + "/metrics.json")
        #expect(back == report)
    }

    @Test func scoresFollowTheModelsKnownMistakes() throws {
        let rows = generatedRows.filter(\.isValidation)
        let report = try Evaluator.evaluate(classifier: sharedModel, rows: rows)
        // The stand-in answers wrongly exactly for texts whose length is a multiple of 4 (given unique texts).
        let right = Double(rows.filter { $0.text.count % 4 != 0 }.count) / Double(rows.count)
        for head in report.heads {
            #expect(head.metrics.accuracy <= right + 1e-12 && head.metrics.accuracy > right - 0.02,
                    "head \(head.name): accuracy \(head.metrics.accuracy), expected about \(right)")
        }
        let perfect = try Evaluator.evaluate(classifier: LookupClassifier(rows: generatedRows, wrongEvery: .max),
                                             rows: rows)
        #expect(perfect.heads.allSatisfy { $0.metrics.accuracy == 1 })
        #expect(perfect.meanMacroF1 == 1)
    }

    @Test func meanMacroF1IsThePlainMeanOverHeads() throws {
        #expect(abs(EvaluationReport.meanMacroF1([0.5, 0.7, 0.9]) - 0.7) < 1e-12)
        #expect(EvaluationReport.meanMacroF1([0.25]) == 0.25)
        #expect(EvaluationReport.meanMacroF1([]) == 0)
        let report = try Evaluator.evaluate(classifier: sharedModel, rows: generatedRows.filter(\.isValidation))
        #expect(report.meanMacroF1 == EvaluationReport.meanMacroF1(report.heads.map(\.metrics.macro.f1)))
        #expect(report.meanMacroF1 > 0.5 && report.meanMacroF1 < 1)
    }

    @Test func batchSizeDoesNotChangeResults() throws {
        let rows = Array(generatedRows.prefix(50))
        let a = try Evaluator.evaluate(classifier: sharedModel, rows: rows, batchSize: 1)
        let b = try Evaluator.evaluate(classifier: sharedModel, rows: rows, batchSize: 64)
        #expect(a.heads == b.heads)
    }

    @Test func comparisonShowsChangePerHead() throws {
        let rows = generatedRows.filter(\.isValidation)
        let a = try Evaluator.evaluate(classifier: sharedModel, rows: rows)
        var b = a
        b.modelVersion = "test-2"
        b.heads[0].metrics.macro.f1 += 0.05
        let rowsOut = ReportComparison.compare(baseline: a, candidate: b)
        #expect(rowsOut.count == 3)
        #expect(abs(rowsOut[0].macroF1Change! - 0.05) < 1e-9)
        #expect(ReportComparison.markdown(baseline: a, candidate: b).contains("+0.050"))
    }

    @Test func badInputGivesTypedErrors() {
        #expect(throws: EvaluationError.noRows) { try Evaluator.evaluate(classifier: sharedModel, rows: []) }
        #expect(throws: EvaluationError.badBatchSize(0)) {
            try Evaluator.evaluate(classifier: sharedModel, rows: Array(generatedRows.prefix(2)), batchSize: 0)
        }
        let other = [DatasetRow(id: "x", subject: "", body: "hallo", labels: ["sentiment": "neutral"])]
        #expect(throws: EvaluationError.self) { try Evaluator.evaluate(classifier: sharedModel, rows: other) }
    }
}
