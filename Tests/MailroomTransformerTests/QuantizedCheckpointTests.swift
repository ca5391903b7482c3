// QuantizedCheckpointTests: `mailroom quantize`'s library side. I8 safetensors with per-row scales read back as
// the weights they came from; a quantized checkpoint loads at its scheme and gives the logits of quantizing at
// load; calibration gives a scale per layer; the per-layer report names every layer; bad requests are refused.
import Foundation
import MailroomCore
@testable import MailroomTransformer
import Testing

@Suite struct QuantizedCheckpointTests {
    static let fixture = ModelFixture.root + "/distilbert-cased"

    static func scratch(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "mailroom-quantize-\(name)-\(UUID().uuidString)"
        try? FileManager.default.removeItem(atPath: dir)
        return dir
    }

    static func maxLogitDifference(_ a: [ModelOutput], _ b: [ModelOutput]) -> Float {
        var worst: Float = 0
        for (x, y) in zip(a, b) {
            for (head, zx) in x.logits { worst = max(worst, maxAbsDiff(zx, y.logits[head]!)) }
        }
        return worst
    }

    /// An I8 tensor with its `_scale` reads as q · scale per row; without the scale it is refused by name.
    @Test func int8TensorsRoundTrip() throws {
        let dir = Self.scratch("i8")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/t.safetensors"
        try SafetensorsWriter.write([
            "w": .init(shape: [2, 3], int8: [1, -2, 127, -127, 0, 5]),
            "w_scale": .init(shape: [2], values: [0.5, 2]),
            "lonely": .init(shape: [2], int8: [3, 4]),
            "b": .init(shape: [2], bf16: [mr_bf16(1.5), mr_bf16(-2)]),
        ], to: path)
        let r = try SafetensorsReader(path: path)
        #expect(r.entries["w"]?.dtype == .i8 && r.entries["b"]?.dtype == .bf16)
        #expect(try r.floats("w") == [0.5, -1, 63.5, -254, 0, 10])
        #expect(try r.floats("b") == [1.5, -2])
        #expect(r.isFloatReadable("w") && !r.isFloatReadable("lonely") && r.isScale("w_scale") && !r.isScale("b"))
        #expect(throws: SafetensorsError.notFloat(key: "lonely", dtype: "I8")) { try r.floats("lonely") }
    }

    /// int8: the file holds I8 Linear weights with scales (fp32 elsewhere), is smaller, loads as int8 by itself,
    /// and predicts what quantizing the fp32 checkpoint at load predicts.
    @Test func int8CheckpointLoadsAtInt8() throws {
        guard try KernelPath.chosen(for: .int8) != nil else { return }
        let out = Self.scratch("int8")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let sizes = try TransformerQuantizer.write(model: Self.fixture, plan: QuantizationPlan(precision: .int8), out: out)
        #expect(sizes.written < sizes.original)
        let r = try SafetensorsReader(path: out + "/model.safetensors")
        let qkv = r.entries.keys.filter { $0.hasSuffix("attention.q_lin.weight") }
        #expect(!qkv.isEmpty && qkv.allSatisfy { r.entries[$0]!.dtype == .i8 && r.entries[$0 + "_scale"]?.dtype == .f32 })
        #expect(r.entries.filter { $0.key.contains("embeddings") || $0.key.hasPrefix("heads.") }.allSatisfy { $0.value.dtype == .f32 })
        let texts = try ModelFixture.read(Self.fixture).texts
        let loaded = try TransformerClassifier.load(directory: out, threads: 1)
        let atLoad = try TransformerClassifier.load(directory: Self.fixture, threads: 1, precision: .int8)
        #expect(loaded.precision == "int8")
        let d = Self.maxLogitDifference(try loaded.classify(texts), try atLoad.classify(texts))
        let kernel = try #require(try KernelPath.chosen(for: .int8))
        if kernel.weightMax == 127 {
            // The checkpoint holds the very integers quantizing at load makes: the same logits.
            #expect(d < 1e-4, "the int8 checkpoint and quantizing at load differ by \(d)")
        } else {
            // A ±63 path (AVX2) quantizes the checkpoint's ±127 weights again: not the same integers as quantizing
            // the fp32 weights once, but as close to the fp32 model.
            let fp32 = try TransformerClassifier.load(directory: Self.fixture, threads: 1).classify(texts)
            let fromCheckpoint = Self.maxLogitDifference(try loaded.classify(texts), fp32)
            let once = Self.maxLogitDifference(try atLoad.classify(texts), fp32)
            print("int8 on \(kernel.rawValue): max logit difference to fp32: checkpoint \(fromCheckpoint), at load \(once); between them \(d)")
            #expect(fromCheckpoint <= 1.5 * once + 0.02, "on \(kernel.rawValue) the int8 checkpoint is \(fromCheckpoint) from fp32, quantizing at load \(once)")
        }
        // Quantizing a quantized checkpoint is refused; reading it at fp32 gives the dequantized weights.
        #expect(throws: TransformerError.self) {
            try TransformerQuantizer.write(model: out, plan: QuantizationPlan(precision: .int8), out: out + "-again")
        }
        #expect(try TransformerClassifier.load(directory: out, threads: 1, precision: .fp32).precision == "fp32")
    }

    /// The copy takes the tokenizer and the other files, not the fp32 run's resume state.
    @Test func copiesTheFilesButNotTheTrainerState() throws {
        let src = Self.scratch("src"), out = Self.scratch("copy")
        defer { try? FileManager.default.removeItem(atPath: src); try? FileManager.default.removeItem(atPath: out) }
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: src)
        try FileManager.default.createDirectory(atPath: src + "/" + trainerStateFolder, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: src + "/" + trainerStateFolder + "/state.json"))
        try Data("{}".utf8).write(to: URL(fileURLWithPath: src + "/validation_report.json"))
        try TransformerQuantizer.write(model: src, plan: QuantizationPlan(precision: .bf16), out: out)
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: out))
        #expect(files.isSuperset(of: ["config.json", "model.safetensors", "tokenizer.json", "validation_report.json"]))
        #expect(!files.contains(trainerStateFolder))
    }

    /// bf16 writes BF16 Linear weights; a layer kept fp32 stays F32 in the file and runs fp32.
    @Test func bf16CheckpointKeepsNamedLayersFP32() throws {
        let out = Self.scratch("bf16")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let model = try TransformerClassifier.load(directory: Self.fixture, threads: 1, precision: .fp32)
        let keep = model.encoder.linearNames.last!  // transformer.layer.N.ffn.lin2
        try TransformerQuantizer.write(model: Self.fixture, plan: QuantizationPlan(precision: .bf16, fp32Layers: [keep]),
                                       version: "v-bf16", out: out)
        let r = try SafetensorsReader(path: out + "/model.safetensors")
        #expect(r.entries.first { $0.key.hasSuffix(keep + ".weight") }?.value.dtype == .f32)
        #expect(r.entries.first { $0.key.hasSuffix("ffn.lin1.weight") }?.value.dtype == .bf16)
        let loaded = try TransformerClassifier.load(directory: out, threads: 1)
        #expect(loaded.version == "v-bf16")
        #expect(loaded.encoder.quantization.fp32Layers == [keep])
        if try KernelPath.chosen(for: .bf16) != nil {
            #expect(loaded.precision == "bf16" && loaded.encoder.quantization.narrowLayers == loaded.encoder.linearNames.count - 1)
        }
        #expect(throws: TransformerError.self) {
            try TransformerQuantizer.write(model: Self.fixture, plan: QuantizationPlan(precision: .int8, fp32Layers: ["no.such.layer"]), out: out + "-x")
        }
        #expect(throws: TransformerError.self) {
            try TransformerQuantizer.write(model: Self.fixture, plan: QuantizationPlan(precision: .int8), out: Self.fixture)
        }
    }

    /// Calibration gives every Linear a positive static scale; the report has one row per layer and its errors
    /// are those of actually running the plan (static scales run, and move the logits, too).
    @Test func calibrationAndReport() throws {
        guard try KernelPath.chosen(for: .int8) != nil else { return }
        let model = try TransformerClassifier.load(directory: Self.fixture, threads: 1, precision: .fp32)
        let inputs = try ModelFixture.read(Self.fixture).texts.map { ModelInput(text: $0) }
        let scales = try TransformerQuantizer.calibrate(model, inputs: inputs)
        #expect(Set(scales.keys) == Set(model.encoder.linearNames))
        #expect(scales.values.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(model.precision == "fp32", "calibration leaves the model at fp32")
        let report = try TransformerQuantizer.report(model, inputs: inputs, plan: QuantizationPlan(precision: .int8),
                                                     staticScales: scales)
        #expect(report.layers.map(\.layer) == model.encoder.linearNames)
        #expect(report.texts == inputs.count && report.allStatic != nil)
        #expect(report.all.maxAbsLogitError > 0 && report.all.maxAbsLogitError < 1)
        #expect(report.layers.allSatisfy { $0.maxAbsLogitError <= report.all.maxAbsLogitError * 4 })
        #expect(report.mostSensitive(1).first?.maxAbsLogitError == report.layers.map(\.maxAbsLogitError).max())
        #expect(report.allStatic!.maxAbsLogitError != report.all.maxAbsLogitError, "the static row must run the static scales")
        // --keep-worst: the worst layers join the fp32 list once, and lose their static scales.
        let worst = report.mostSensitive(2).map(\.layer)
        let kept = report.keepingWorst(2, in: QuantizationPlan(precision: .int8, fp32Layers: [worst[0]], activationScales: scales))
        #expect(kept.fp32Layers == worst)
        #expect(Set(kept.activationScales.keys) == Set(scales.keys).subtracting(worst))
        #expect(report.table.split(separator: "\n").count == 5 + report.layers.count)
        // The static plan serves: its error against fp32 is what the report said.
        try model.encoder.apply(QuantizationPlan(precision: .int8, activationScales: scales))
        let fp32Model = try TransformerClassifier.load(directory: Self.fixture, threads: 1, precision: .fp32)
        let d = Self.maxLogitDifference(try model.classify(inputs: inputs), try fp32Model.classify(inputs: inputs))
        #expect(abs(d - report.allStatic!.maxAbsLogitError) < 1e-5)
        #expect(throws: TransformerError.self) { try TransformerQuantizer.calibrate(model, inputs: []) }
    }
}

private func mr_bf16(_ x: Float) -> UInt16 { UInt16(x.bitPattern >> 16) }

@Suite struct ReleasedWeightsTests {
    /// A served narrow model drops the fp32 copies of its packed layers: same logits after, re-packing refused;
    /// an fp32 model releases nothing.
    @Test func releasingKeepsTheLogitsAndRefusesRepacking() throws {
        guard try KernelPath.chosen(for: .int8) != nil else { return }
        let dir = QuantizedCheckpointTests.fixture
        let texts = try ModelFixture.read(dir).texts
        let model = try TransformerClassifier.load(directory: dir, threads: 1, precision: .int8)
        let before = try model.classify(texts)
        let bytes = model.encoder.releasePackedFP32Weights()
        // Only whole pages inside a weight are released; the fixture's (3·32·32 and 64·32 floats) hold some.
        #expect(bytes > 0 && bytes % Int(sysconf(Int32(_SC_PAGESIZE))) == 0)
        // Released pages read as zeros: a forward pass that still read an fp32 copy would change the logits.
        #expect(QuantizedCheckpointTests.maxLogitDifference(try model.classify(texts), before) == 0)
        #expect(throws: TransformerError.self) { try model.encoder.apply(QuantizationPlan(precision: .fp32)) }
        let fp32 = try TransformerClassifier.load(directory: dir, threads: 1, releaseFP32Weights: true)
        #expect(fp32.encoder.releasePackedFP32Weights() == 0)
        try fp32.encoder.apply(QuantizationPlan(precision: .int8))  // nothing was released: re-packing works
    }
}
