// HybridTrainingTests: the hybrid kind trained from a dataset file (a tiny DistilBERT fixture as its transformer
// part), and `--kind auto`'s cross-validated choice, recorded in training.json.
import Foundation
import MailroomCore
import MailroomLinear
import MailroomModels
import MailroomSampleData
import MailroomTestSupport
import MailroomTraining
import MailroomTransformer
import Testing

@Suite(.serialized) struct HybridTrainingTests {
    /// A scratch directory with generated rows and a bare tiny encoder (the fixture without its heads).
    static func setUp(rows count: Int, seed: UInt64) throws -> (dir: String, data: String, encoder: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hybrid-training-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let data = dir + "/data.jsonl"
        try JSONL.write(SampleDataGenerator.dataset(count: count, seed: seed, validationFraction: 0.2), to: data)
        let encoder = dir + "/encoder"
        try FileManager.default.copyItem(atPath: RepositoryPaths.fixtures("transformer/distilbert-cased"), toPath: encoder)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: encoder + "/config.json"))) as! [String: Any]
        config["mailroom"] = nil
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: encoder + "/config.json"))
        return (dir, data, encoder)
    }

    static func request(_ kind: ModelKind, _ s: (dir: String, data: String, encoder: String), out: String, version: String) -> TrainingRequest {
        var r = TrainingRequest(kind: kind, dataPath: s.data, outputDirectory: s.dir + "/" + out, version: version)
        r.encoder = s.encoder
        r.linear.epochs = 30
        r.transformer.epochs = 1
        r.transformer.maxLength = 32
        r.transformer.learningRate = 5e-4
        r.fields = ModelInput.fieldNames
        r.calibration.holdout = 0.2
        return r
    }

    @Test func aHybridIsItsTwoPartsBlendedByTheWeightsItChoseOnHeldOutRows() throws {
        let s = try Self.setUp(rows: 500, seed: 21)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var blended: [String: HeadBlend] = [:]
        let outcome = try ModelTraining.run(Self.request(.hybrid, s, out: "hybrid", version: "hybrid-test-1")) { event in
            if case .blended(let head, let b) = event { blended[head] = b }
        }
        let dir = outcome.directory
        for file in ["config.json", HybridBlend.fileName, "calibration.json", "training.json", "linear/config.json", "transformer/model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file)")
        }
        let model = try ModelLoader.load(directory: dir)
        #expect(model.kind == "hybrid" && model.version == "hybrid-test-1" && model.precision == "fp32")
        #expect(Set(model.heads.map(\.name)) == ["line_of_business", "queue", "topic"])

        // Each head's weight was chosen on the held-out rows, where the blend is at least as good as either part.
        let blend = try HybridBlend.read(directory: dir, heads: model.heads)
        #expect(blend.heads == blended)
        for (head, b) in blend.heads {
            #expect(b.heldOutRows > 30 && b.objective == .macroF1, "\(head)")
            #expect(b.blendMacroF1 >= max(b.linearMacroF1, b.transformerMacroF1) - 1e-12, "\(head)")
            #expect(b.blendLogLoss > 0 && b.linearMacroF1 > 0, "\(head): the figures are the held-out rows' own")
        }
        // training.json keeps each part's settings apart, and the blend.
        let p = outcome.record.parameters
        #expect(outcome.record.kind == "hybrid" && outcome.record.encoder == s.encoder)
        #expect(p["linear.epochs"] == "30" && p["transformer.epochs"] == "1" && p["transformer.max_length"] == "32")
        #expect(p["linear.class_weighting"] == "balanced" && p["epochs"] == nil)
        #expect(Set(p.keys.filter { $0.hasPrefix("blend.") }) == ["blend.line_of_business", "blend.queue", "blend.topic"])
        // The linear part chooses its fields per head as the linear kind does, before the blend is fitted on it.
        #expect(p["field_heads"] != nil && Set(p.keys.filter { $0.hasPrefix("field_choice.") }).count == 3)

        // The served logits are the blend of the two parts' logits, head by head.
        let linear = try LinearModel.load(directory: dir + "/linear")
        let transformer = try TransformerClassifier.load(directory: dir + "/transformer")
        let rows = try JSONL.read(DatasetRow.self, from: s.data).prefix(12).map(\.input)
        let served = try model.classify(inputs: rows), a = try linear.classify(inputs: rows), b = try transformer.classify(inputs: rows)
        for r in rows.indices {
            for head in model.heads {
                let lh = linear.heads.first { $0.name == head.name }!, th = transformer.heads.first { $0.name == head.name }!
                let zl = head.labels.map { a[r].logits[head.name]![lh.labels.firstIndex(of: $0)!] }
                let zt = head.labels.map { b[r].logits[head.name]![th.labels.firstIndex(of: $0)!] }
                let want = blend.heads[head.name]!.combine(linear: zl, transformer: zt)
                let got = served[r].logits[head.name]!
                #expect(zip(want, got).allSatisfy { abs($0 - $1) < 1e-4 }, "row \(r) head \(head.name)")
            }
        }
        // Evidence comes from the parts each head's blend uses, at most the items asked for: n-grams and fields from
        // the linear part, words by attention share (marked) from the transformer.
        let prediction = model.prediction(id: "x", input: rows[0], output: served[0], evidence: 4)
        for (head, p) in prediction.heads {
            let items = p.evidence ?? [], w = blend.heads[head]!.linearWeight
            let fromTransformer = items.filter { $0.feature.hasPrefix(TransformerClassifier.evidencePrefix) }.count
            #expect(!items.isEmpty && items.count <= 4, "\(head)")
            if w == 1 { #expect(fromTransformer == 0, "\(head): the transformer has no say at weight 1") }
            if w == 0 { #expect(fromTransformer == items.count, "\(head): the linear part has no say at weight 0") }
            if w > 0 && w < 1 { #expect(fromTransformer == 2, "\(head): half from each part") }
        }
        #expect(outcome.validationReport != nil)
    }

    @Test func aHybridNeedsHeldOutRows() throws {
        let s = try Self.setUp(rows: 120, seed: 3)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var r = Self.request(.hybrid, s, out: "h", version: "h")
        r.calibration.holdout = 0
        #expect(throws: TrainingError.hybridWithoutHoldout) { try ModelTraining.run(r) }
        r.calibration.holdout = 0.01   // about one row held out: too few to choose a blend
        #expect { try ModelTraining.run(r) } throws: { "\($0)".contains("the hybrid's blend need held-out rows") }
    }

    @Test func autoScoresEveryKindByCrossValidationAndTrainsTheBest() throws {
        let s = try Self.setUp(rows: 420, seed: 5)
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        var options = KindSelectionOptions()
        options.folds = 2
        var folds: [(Int, ModelKind)] = []
        let (choice, outcome) = try KindSelection.train(Self.request(.linear, s, out: "auto", version: "auto-1"), options: options) { event in
            if case .selecting(let f, _, let k) = event { folds.append((f, k)) }
        }
        #expect(folds.map { "\($0.0)\($0.1.rawValue)" } == ["1linear", "1transformer", "2linear", "2transformer"])
        #expect(choice.scores.map(\.kind) == [.linear, .transformer, .hybrid])
        let trainRows = try JSONL.read(DatasetRow.self, from: s.data).filter { !$0.isValidation }.count
        #expect(choice.rows == trainRows && choice.folds == 2)
        for score in choice.scores {
            #expect(score.folds.count == 3 && score.folds.values.allSatisfy { $0.count == 2 && $0.allSatisfy { (0...1).contains($0) } })
        }
        // The choice is the highest mean (ties to the cheaper kind), and what was trained.
        let best = choice.scores.map(\.mean).max()!
        #expect(choice.scores.first { $0.mean == best }?.kind == choice.chosen)
        #expect(outcome.record.kind == choice.chosen.rawValue)
        #expect(try ModelLoader.load(directory: outcome.directory).kind == choice.chosen.rawValue)
        let p = outcome.record.parameters
        #expect(p["auto.choice"] == choice.chosen.rawValue && p["auto.reason"] == choice.reason && p["auto.folds"] == "2")
        #expect(p["auto.linear"]?.hasPrefix("mean macro-F1 ") == true && p["auto.hybrid"] != nil && p["auto.transformer"] != nil)
        #expect(!FileManager.default.fileExists(atPath: s.dir + "/auto.auto"), "the folds' models are removed")

        // Only the linear kind: nothing else is trained, and it is chosen.
        options.kinds = [.linear]
        folds = []
        let only = try KindSelection.choose(Self.request(.linear, s, out: "auto2", version: "auto-2"), options: options) { event in
            if case .selecting(let f, _, let k) = event { folds.append((f, k)) }
        }
        #expect(only.chosen == .linear && only.scores.count == 1 && folds.allSatisfy { $0.1 == .linear })
        options.kinds = [.linear, .hybrid]
        #expect(throws: KindSelectionError.hybridNeedsBoth) { try KindSelection.choose(Self.request(.linear, s, out: "x", version: "x"), options: options) }
        options.kinds = [.linear]; options.folds = 1
        #expect(throws: KindSelectionError.badFolds(1)) { try KindSelection.choose(Self.request(.linear, s, out: "x", version: "x"), options: options) }
    }
}
