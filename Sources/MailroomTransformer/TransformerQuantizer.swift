// TransformerQuantizer: what `mailroom quantize` does. Static activation scales from calibration texts, the
// per-layer error report that says which Linear layers are sensitive, and the quantized checkpoint: int8 weights
// (per output channel, symmetric, as I8 tensors with an F32 `<key>_scale` beside each) or bf16 weights, under the
// HF names, with a `quantization` block in config.json that the classifier reads at load.
import CMailroomKernels
import Foundation
import MailroomCore

/// How far one plan's logits are from fp32's on the calibration texts.
public struct LayerError: Sendable, Codable, Equatable {
    /// The Linear layer quantized alone (the rest fp32), or `all` for the whole plan.
    public var layer: String
    /// Largest and mean |logit − fp32 logit| over every text and head.
    public var maxAbsLogitError: Float
    public var meanAbsLogitError: Float
    /// (text, head) pairs whose top label differs from fp32's.
    public var flips: Int

    enum CodingKeys: String, CodingKey {
        case layer, flips
        case maxAbsLogitError = "max_abs_logit_error"
        case meanAbsLogitError = "mean_abs_logit_error"
    }
}

/// What the calibration texts showed (written as quantization-report.json beside the quantized checkpoint).
public struct QuantizationReport: Sendable, Codable, Equatable {
    public var scheme: Precision
    public var kernel: String
    public var texts: Int
    /// Every narrow layer at once, per-row dynamic activation scales.
    public var all: LayerError
    /// Every narrow layer at once with the static scales (int8 only).
    public var allStatic: LayerError?
    /// One layer narrow at a time (the rest fp32), in forward order.
    public var layers: [LayerError]
    /// Max |activation| / 127 at each Linear's input over the calibration texts (int8 only).
    public var activationScales: [String: Float]

    enum CodingKeys: String, CodingKey {
        case scheme, kernel, texts, all, layers
        case allStatic = "all_static"
        case activationScales = "activation_scales"
    }

    /// The `count` layers with the largest max logit error, worst first.
    public func mostSensitive(_ count: Int) -> [LayerError] {
        Array(layers.sorted { $0.maxAbsLogitError > $1.maxAbsLogitError }.prefix(count))
    }

    /// `plan` with the `count` most sensitive layers (``mostSensitive(_:)``) also kept in fp32, and no static
    /// activation scale for any fp32 layer.
    public func keepingWorst(_ count: Int, in plan: QuantizationPlan) -> QuantizationPlan {
        var p = plan
        for l in mostSensitive(count) where !p.fp32Layers.contains(l.layer) { p.fp32Layers.append(l.layer) }
        p.activationScales = p.activationScales.filter { !p.fp32Layers.contains($0.key) }
        return p
    }

    /// The report as a Markdown table: the whole plan first (dynamic, then static scales), then each layer alone,
    /// worst first.
    public var table: String {
        func f(_ x: Float) -> String { String(format: "%.4f", x) }
        func row(_ name: String, _ e: LayerError) -> String {
            "| \(name) | \(f(e.maxAbsLogitError)) | \(f(e.meanAbsLogitError)) | \(e.flips) |"
        }
        var lines = ["\(scheme) on \(kernel), \(texts) texts: logit error against fp32",
                     "| layer (alone at \(scheme)) | max abs | mean abs | top-label flips |", "|---|---|---|---|",
                     row("all layers, dynamic activation scales", all)]
        if let allStatic { lines.append(row("all layers, static activation scales", allStatic)) }
        lines += mostSensitive(layers.count).map { row($0.layer, $0) }
        return lines.joined(separator: "\n")
    }
}

public enum TransformerQuantizer {
    /// Per-layer static int8 activation scales: max |x| / 127 at each Linear's input over `inputs`, measured with
    /// every layer at int8 (dynamic scales), which is what the inputs look like when the plan serves.
    /// Leaves the model at fp32. Needs an int8 kernel on this CPU.
    public static func calibrate(_ model: TransformerClassifier, inputs: [ModelInput]) throws -> [String: Float] {
        guard !inputs.isEmpty else { throw TransformerError.invalidInput("calibration needs at least one text") }
        try model.encoder.apply(QuantizationPlan(precision: .int8))
        defer { try? model.encoder.apply(QuantizationPlan(precision: .fp32)) }
        guard model.encoder.quantization.kernel != nil else {
            throw TransformerError.invalidInput("this CPU has no int8 kernel (supported: \(KernelPath.supported.map(\.rawValue).joined(separator: ", "))); calibrate on a machine with AVX2 or better")
        }
        let layers = model.encoder.packedLayers.compactMap { l in l.layer.map { (l.name, $0) } }
        for (_, l) in layers { l.observing = true }
        _ = try model.classify(inputs: inputs)
        var scales: [String: Float] = [:]
        for (name, l) in layers { l.observing = false; scales[name] = l.observedAbsMax > 0 ? l.observedAbsMax / 127 : 1 }
        return scales
    }

    /// Runs `inputs` at fp32, then with each Linear layer narrow alone, then with the whole `plan` (and, for int8
    /// with `staticScales`, the whole plan on them), and measures the logits against fp32. Leaves the model at fp32.
    /// `progress` is called after each run with (done, total).
    public static func report(_ model: TransformerClassifier, inputs: [ModelInput], plan: QuantizationPlan,
                              staticScales: [String: Float] = [:],
                              progress: (Int, Int) -> Void = { _, _ in }) throws -> QuantizationReport {
        guard plan.precision != .fp32 else { throw TransformerError.invalidInput("a quantization report needs --scheme int8 or bf16") }
        guard !inputs.isEmpty else { throw TransformerError.invalidInput("a quantization report needs at least one text") }
        let encoder = model.encoder
        defer { try? encoder.apply(QuantizationPlan(precision: .fp32)) }
        try encoder.apply(QuantizationPlan(precision: .fp32))
        let reference = try model.classify(inputs: inputs)
        let names = encoder.linearNames
        let narrow = names.filter { !plan.fp32Layers.contains($0) }
        let total = narrow.count + 1 + (plan.precision == .int8 && !staticScales.isEmpty ? 1 : 0)
        var done = 0
        func measure(_ layer: String, _ p: QuantizationPlan) throws -> LayerError {
            try encoder.apply(p)
            guard encoder.quantization.kernel != nil else {
                throw TransformerError.invalidInput("this CPU has no \(p.precision) kernel (supported: \(KernelPath.supported.map(\.rawValue).joined(separator: ", ")))")
            }
            let e = compare(try model.classify(inputs: inputs), reference, layer: layer)
            done += 1; progress(done, total)
            return e
        }
        var layers: [LayerError] = []
        for name in narrow {
            layers.append(try measure(name, QuantizationPlan(precision: plan.precision, fp32Layers: names.filter { $0 != name })))
        }
        let all = try measure("all", QuantizationPlan(precision: plan.precision, fp32Layers: plan.fp32Layers))
        var allStatic: LayerError?
        if plan.precision == .int8 && !staticScales.isEmpty {
            allStatic = try measure("all", QuantizationPlan(precision: .int8, fp32Layers: plan.fp32Layers, activationScales: staticScales))
        }
        let kernel = encoder.quantization.kernel?.rawValue ?? "none"
        return QuantizationReport(scheme: plan.precision, kernel: kernel, texts: inputs.count, all: all, allStatic: allStatic,
                                  layers: layers, activationScales: plan.precision == .int8 ? staticScales : [:])
    }

    /// Logit error of `outputs` against `reference` (same texts, same heads).
    static func compare(_ outputs: [ModelOutput], _ reference: [ModelOutput], layer: String) -> LayerError {
        var maxError: Float = 0, sum: Double = 0, count = 0, flips = 0
        for (o, r) in zip(outputs, reference) {
            for (head, ref) in r.logits {
                guard let got = o.logits[head], got.count == ref.count, !ref.isEmpty else { continue }
                for (a, b) in zip(got, ref) { let d = abs(a - b); maxError = max(maxError, d); sum += Double(d); count += 1 }
                if got.indices.max(by: { got[$0] < got[$1] }) != ref.indices.max(by: { ref[$0] < ref[$1] }) { flips += 1 }
            }
        }
        return LayerError(layer: layer, maxAbsLogitError: maxError, meanAbsLogitError: count > 0 ? Float(sum / Double(count)) : 0,
                          flips: flips)
    }

    /// Writes the quantized checkpoint of the fp32 checkpoint `directory` to `out`: the Linear weights of `plan`'s
    /// narrow layers as I8 + `<key>_scale` (int8) or BF16 (bf16), every other tensor as F32, config.json with the
    /// `quantization` block (and `version` as the model version when given), every other file copied except the
    /// training run's resume state.
    /// Returns the bytes of the new and the original model.safetensors.
    @discardableResult
    public static func write(model directory: String, plan: QuantizationPlan, version: String? = nil,
                             out: String) throws -> (written: Int, original: Int) {
        guard plan.precision != .fp32 else { throw TransformerError.invalidInput("--scheme must be int8 or bf16") }
        let fm = FileManager.default
        let src = URL(fileURLWithPath: directory).standardizedFileURL, dst = URL(fileURLWithPath: out).standardizedFileURL
        guard src.path != dst.path else { throw TransformerError.invalidInput("--out must not be the model directory itself") }
        let (config, json) = try EncoderConfig.read(directory: directory)
        if let existing = try QuantizationPlan.read(configJSON: json, path: directory), existing.precision != .fp32 {
            throw TransformerError.invalidInput("\(directory) is already quantized (\(existing.precision)); quantize its fp32 original")
        }
        let modelPath = src.appendingPathComponent("model.safetensors").path
        guard fm.fileExists(atPath: modelPath) else { throw TransformerError.missingFile(modelPath) }
        let layers = TransformerEncoder.linearWeightKeys(config), names = layers.map(\.name)
        for n in plan.fp32Layers + plan.activationScales.keys.sorted() where !names.contains(n) {
            throw TransformerError.invalidInput("\(n) is not a Linear layer of this encoder; its layers are \(names.first!) … \(names.last!)")
        }
        let narrowKeys = Set(layers.filter { !plan.fp32Layers.contains($0.name) }.flatMap(\.keys))

        let reader = try SafetensorsReader(path: modelPath)
        let taskPrefix = config.family.rawValue + "."
        var tensors: [String: SafetensorsWriter.Tensor] = [:]
        var found = Set<String>()
        for (key, entry) in reader.entries where reader.isFloatReadable(key) {
            let base = key.hasPrefix(taskPrefix) ? String(key.dropFirst(taskPrefix.count)) : key
            let values = try reader.floats(key)
            guard narrowKeys.contains(base), entry.shape.count == 2 else {
                tensors[key] = .init(shape: entry.shape, values: values); continue
            }
            found.insert(base)
            let (M, K) = (entry.shape[0], entry.shape[1])
            if plan.precision == .int8 {
                let q = values.withUnsafeBufferPointer { Int8Weight(quantizing: $0.baseAddress!, M: M, K: K) }
                tensors[key] = .init(shape: entry.shape, int8: q.values)
                tensors[key + "_scale"] = .init(shape: [M], values: q.scales)
            } else {
                tensors[key] = .init(shape: entry.shape, bf16: values.map(mr_bf16_from_float))
            }
        }
        let missing = narrowKeys.subtracting(found)
        guard missing.isEmpty else {
            throw TransformerError.missingTensor(key: missing.sorted()[0], tried: Array(missing.sorted().prefix(3)), file: modelPath)
        }

        try fm.createDirectory(at: dst, withIntermediateDirectories: true)
        // Not copied: the files written anew, and the fp32 run's resume state (optimizer moments, about 3× the
        // weights), which a served copy has no use for.
        let skip: Set = ["model.safetensors", "config.json", "quantization-report.json", trainerStateFolder]
        for f in try fm.contentsOfDirectory(atPath: src.path) where !skip.contains(f) {
            let to = dst.appendingPathComponent(f)
            if fm.fileExists(atPath: to.path) { try fm.removeItem(at: to) }
            try fm.copyItem(at: src.appendingPathComponent(f), to: to)
        }
        let outModel = dst.appendingPathComponent("model.safetensors").path
        try SafetensorsWriter.write(tensors, to: outModel)
        var cfg = json
        var block: [String: Any] = ["scheme": plan.precision.rawValue, "fp32_layers": plan.fp32Layers,
                                    "activation_scales": plan.activationScales.mapValues { Double($0) }]
        block["weights"] = plan.precision == .int8
            ? "int8 per output channel, symmetric: I8 <key> with an F32 <key>_scale (one per row); w = q * scale"
            : "bf16 (round to nearest even)"
        block["source"] = src.path
        cfg["quantization"] = block
        if let version, var m = cfg["mailroom"] as? [String: Any] { m["version"] = version; cfg["mailroom"] = m }
        let data = try JSONSerialization.data(withJSONObject: cfg, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: dst.appendingPathComponent("config.json"))
        let size = { (p: String) in ((try? fm.attributesOfItem(atPath: p)[.size]) as? NSNumber)?.intValue ?? 0 }
        return (size(outModel), size(modelPath))
    }
}
