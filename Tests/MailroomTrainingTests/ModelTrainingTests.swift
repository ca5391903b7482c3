// ModelTrainingTests: a training run from a dataset file to a model directory that loads, carries its provenance
// and validation report; and the JSONL annotation behind `mailroom clean`.
import Foundation
import MailroomCore
import MailroomLinear
import MailroomModels
import MailroomTraining
import MailroomRegistry
import MailroomSampleData
import Testing

@Suite struct ModelTrainingTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-training-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func linearRunWritesALoadableModelWithProvenanceAndReport() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data.jsonl").path
        let rows = SampleDataGenerator.dataset(count: 400, seed: 7, validationFraction: 0.2)
        try JSONL.write(rows, to: data)
        var request = TrainingRequest(kind: .linear, dataPath: data, outputDirectory: dir.appendingPathComponent("model").path,
                                      version: "linear-test-1")
        request.linear.epochs = 30
        var loaded: (Int, Int)?
        var iterations = 0
        var written = false
        let outcome = try ModelTraining.run(request) { event in
            switch event {
            case .loaded(let t, let v): loaded = (t, v)
            case .linear: iterations += 1
            case .written: written = true
            default: break
            }
        }
        let validationCount = rows.filter(\.isValidation).count
        #expect(loaded?.0 == rows.count - validationCount && loaded?.1 == validationCount)
        #expect(iterations > 0 && written)

        // Provenance: the data's hash and counts, as the registry reads them.
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf:
            URL(fileURLWithPath: outcome.directory).appendingPathComponent(TrainingRecord.fileName)))
        #expect(record == outcome.record)
        #expect(record.kind == "linear" && record.dataRows == rows.count && record.validationRows == validationCount)
        #expect(record.dataSHA256 == (try SHA256Digest.file(data)))
        #expect(record.parameters["clean"] == "true" && record.encoder == nil)

        // The model loads by its manifest and answers with the version it was given.
        let model = try ModelLoader.load(directory: outcome.directory)
        #expect(model.version == "linear-test-1" && model.kind == "linear")
        let report = try #require(outcome.validationReport)
        #expect(Set(report.heads.map(\.name)) == ["line_of_business", "queue", "topic"])
        #expect(report.heads.allSatisfy { $0.metrics.count == validationCount })
        #expect(report.meanMacroF1 > 0.3, "a trained model must beat chance on the generated data")
        for file in ["metrics.json", "report.md", "report.html"] {
            #expect(FileManager.default.fileExists(atPath: "\(outcome.validationReportDirectory!)/\(file)"))
        }
        // The validation profile live traffic is compared with: one prediction per validation row and head.
        let profile = try TrafficProfile.read(from: "\(outcome.directory)/\(TrafficProfile.validationPath)")
        #expect(profile.count == validationCount && Set(profile.heads.keys) == ["line_of_business", "queue", "topic"])
        for (head, h) in profile.heads {
            #expect(h.count == validationCount && h.labels.values.reduce(0, +) == validationCount, "\(head)")
            #expect(h.confidenceHistogram.count == 10 && h.confidenceHistogram.reduce(0, +) == validationCount)
            #expect(h.meanConfidence > 0 && h.meanConfidence <= 1)
        }
        #expect(profile.languages.values.reduce(0, +) == validationCount && profile.lengths.values.reduce(0, +) == validationCount)
    }

    @Test func crossValidatedChoicesAreRecordedPerHead() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("data.jsonl").path
        try JSONL.write(SampleDataGenerator.dataset(count: 300, seed: 9, validationFraction: 0.2), to: data)
        var request = TrainingRequest(kind: .linear, dataPath: data, outputDirectory: dir.appendingPathComponent("model").path,
                                      version: "linear-cv")
        request.linear.epochs = 20
        request.linear.crossValidation = CrossValidationGrid(penalties: [0.3, 1.0], naiveBayesExponents: [0, 0.5])
        let record = try ModelTraining.run(request).record
        #expect(record.parameters["l2_grid"] == "0.3,1.0" && record.parameters["naive_bayes_grid"] == "0.0,0.5")
        for head in ["line_of_business", "queue", "topic"] {
            let choice = try #require(record.parameters["cv_choice.\(head)"], "no CV choice recorded for \(head)")
            #expect(choice.hasPrefix("l2=") && choice.contains("naive_bayes="))
        }
    }

    @Test func emptyDatasetIsExplained() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = dir.appendingPathComponent("empty.jsonl")
        try Data().write(to: data)
        let request = TrainingRequest(kind: .linear, dataPath: data.path, outputDirectory: dir.appendingPathComponent("m").path,
                                      version: "v")
        let path = data.path
        let thrown = #expect(throws: JSONLError.self) { try ModelTraining.run(request) }
        #expect(thrown == JSONLError.empty(path: path))
    }

    @Test func defaultVersionNamesKindAndUTCTime() {
        let date = Date(timeIntervalSince1970: 1_796_000_000)   // 2026-11-30T00:53:20Z
        #expect(ModelTraining.defaultVersion(kind: .transformer, at: date) == "transformer-20261130T005320")
    }

    @Test func cleanAnnotationKeepsFieldsAndNamesBadLines() throws {
        let input = """
        {"id": "a", "subject": "Depot", "body": "Bitte senden Sie mir den Auszug.\\n\\nMit freundlichen Grüßen\\nMax Muster\\nTel. 0170 1234567", "extra": 3}

        {"id": "b", "body_html": "<p>Hello</p><blockquote>On Mon, Anna wrote:<br>old</blockquote>"}
        """
        let (out, summary) = try CleanAnnotation.annotate(jsonl: Data(input.utf8), source: "in.jsonl")
        #expect(summary.emails == 2 && summary.removedCharacters > 0)
        let lines = out.split(separator: UInt8(ascii: "\n")).map { try! JSONSerialization.jsonObject(with: Data($0)) as! [String: Any] }
        #expect(lines[0]["id"] as? String == "a" && lines[0]["extra"] as? Int == 3)
        #expect((lines[0]["clean_text"] as? String)?.contains("Auszug") == true)
        #expect((lines[0]["clean_text"] as? String)?.contains("0170") == false)
        #expect(!((lines[0]["removed"] as? [[String: String]]) ?? []).isEmpty)
        #expect((lines[1]["clean_text"] as? String)?.contains("old") == false)

        #expect(throws: CleanAnnotationError.notAnObject(source: "in.jsonl", line: 2)) {
            try CleanAnnotation.annotate(jsonl: Data("{\"id\": \"a\", \"body\": \"x\"}\n[1, 2]\n".utf8), source: "in.jsonl")
        }
    }
}
