// TransformerEncoder+Precision: running the encoder's Linear layers at int8 or bf16 (``QuantizationPlan``), and
// naming them (the names `mailroom quantize` reports per-layer error under and keeps in fp32 on request).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What to run the encoder's Linear layers at.
public struct QuantizationPlan: Sendable, Equatable, Codable {
    public var precision: Precision
    /// Linear layers (``TransformerEncoder/linearNames``) kept in fp32.
    public var fp32Layers: [String]
    /// Static int8 activation scales by Linear name (from calibration); a layer without one scales each row.
    public var activationScales: [String: Float]

    public init(precision: Precision, fp32Layers: [String] = [], activationScales: [String: Float] = [:]) {
        self.precision = precision; self.fp32Layers = fp32Layers; self.activationScales = activationScales
    }

    /// The `quantization` block of a checkpoint's config.json, nil without one; a bad block is refused.
    static func read(configJSON json: [String: Any], path: String) throws -> QuantizationPlan? {
        guard let block = json["quantization"] else { return nil }
        guard JSONSerialization.isValidJSONObject(block), let data = try? JSONSerialization.data(withJSONObject: block),
              let plan = try? JSONDecoder().decode(QuantizationPlan.self, from: data) else {
            throw TransformerError.badConfig(path: path, reason: "its \"quantization\" block must be {\"scheme\": \"fp32\"|\"int8\"|\"bf16\", \"fp32_layers\": [names], \"activation_scales\": {name: scale}}")
        }
        return plan
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        precision = try c.decode(Precision.self, forKey: .precision)
        fp32Layers = try c.decodeIfPresent([String].self, forKey: .fp32Layers) ?? []
        activationScales = try c.decodeIfPresent([String: Float].self, forKey: .activationScales) ?? [:]
    }

    enum CodingKeys: String, CodingKey {
        case precision = "scheme"
        case fp32Layers = "fp32_layers"
        case activationScales = "activation_scales"
    }
}

/// How an encoder's Linear layers run now.
public struct QuantizationState: Sendable, Equatable {
    /// The precision asked for (the layers run at it unless listed in ``fp32Layers`` or ``kernel`` is nil).
    public var precision: Precision = .fp32
    /// The kernel path the narrow layers run on; nil for fp32 (or when the CPU supports no path of the precision).
    public var kernel: KernelPath?
    public var fp32Layers: [String] = []
    /// Linear layers running narrow / in all.
    public var narrowLayers = 0, linearLayers = 0
    /// Bytes of packed weights (in memory besides the fp32 weights).
    public var packedBytes = 0

    /// The precision predictions are computed at: `int8`, `bf16`, or `fp32` (also when no kernel fits this CPU).
    public var effective: Precision { kernel == nil || narrowLayers == 0 ? .fp32 : precision }

    /// One line for logs and `mailroom bench`: "int8 on avx512-vnni (24 of 24 Linear layers)".
    public var summary: String {
        if precision == .fp32 { return "fp32 (OpenBLAS)" }
        guard let kernel else { return "fp32 (no \(precision) kernel for this CPU; supported: \(KernelPath.supported.map(\.rawValue).joined(separator: ", ")))" }
        return "\(precision) on \(kernel) (\(narrowLayers) of \(linearLayers) Linear layers; \(fp32Layers.count) kept fp32)"
    }
}

extension TransformerEncoder {
    /// The Linear layers in forward order, one name each: `<layer prefix><i>.attention.qkv` (the fused q, k, v
    /// projection), then the output projection and the two feed-forward Linears under their HF module names.
    public var linearNames: [String] { Self.linearWeightKeys(config).map(\.name) }

    /// ``linearNames`` with the HF weight keys behind each (base-model names, without a task prefix; the fused qkv
    /// is the q, k and v projections), from the config alone (no weights needed).
    static func linearWeightKeys(_ config: EncoderConfig) -> [(name: String, keys: [String])] {
        let p = layerPrefix(config.family), a = Attention.keys(config.family), f = FeedForward.keys(config.family)
        return (0..<config.numLayers).flatMap { i -> [(name: String, keys: [String])] in
            [("\(p)\(i).attention.qkv", [a.q, a.k, a.v].map { "\(p)\(i).\($0).weight" })]
                + [a.out, f.lin1, f.lin2].map { m in ("\(p)\(i).\(m)", ["\(p)\(i).\(m).weight"]) }
        }
    }

    /// The packed layers by ``linearNames`` name, in forward order (nil where the layer runs fp32).
    var packedLayers: [(name: String, layer: PackedLinear?)] {
        let names = linearNames
        return layers.indices.flatMap { i in
            let l = layers[i]
            return zip(names[(4 * i)..<(4 * i + 4)], [l.attention.qkvPacked, l.attention.outPacked, l.ffn.lin1Packed, l.ffn.lin2Packed])
                .map { (name: $0, layer: $1) }
        }
    }

    /// Hands the fp32 copies of the packed Linear weights back to the OS (`madvise(MADV_DONTNEED)` on the whole
    /// pages they cover), so a model serving int8 or bf16 holds those layers once, packed. Layers that run fp32
    /// keep theirs. Afterwards ``apply(_:)`` is refused: load the checkpoint again to change precision.
    /// Returns the bytes released (0 when nothing is packed).
    @discardableResult
    public func releasePackedFP32Weights() -> Int {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var released = 0
        func release(_ p: UnsafeMutablePointer<Float>, count: Int) {
            let start = (Int(bitPattern: p) + page - 1) / page * page
            let end = (Int(bitPattern: p + count)) / page * page
            guard end > start, madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_DONTNEED) == 0 else { return }
            released += end - start
        }
        let C = config.hiddenSize, H = config.intermediateSize
        for l in layers {
            if l.attention.qkvPacked != nil { release(l.attention.qkvWeight, count: 3 * C * C) }
            if l.attention.outPacked != nil { release(l.attention.outWeight, count: C * C) }
            if l.ffn.lin1Packed != nil { release(l.ffn.lin1Weight, count: H * C) }
            if l.ffn.lin2Packed != nil { release(l.ffn.lin2Weight, count: C * H) }
        }
        if released > 0 { fp32WeightsReleased = true }
        return released
    }

    /// Packs the Linear layers for `plan` (from the fp32 weights, so it can be applied again with another plan).
    /// A plan naming an unknown layer is refused; a CPU with no kernel for the precision runs fp32, and
    /// ``quantization`` says so.
    public func apply(_ plan: QuantizationPlan) throws {
        guard !fp32WeightsReleased else {
            throw TransformerError.invalidInput("this model's fp32 Linear weights were released after packing (releasePackedFP32Weights); load the checkpoint again to run it at another precision")
        }
        let names = linearNames, known = Set(names)
        for n in plan.fp32Layers + plan.activationScales.keys.sorted() where !known.contains(n) {
            throw TransformerError.invalidInput("\(n) is not a Linear layer of this encoder; its layers are \(names.first!) … \(names.last!) (`mailroom quantize --calibrate` reports each by name)")
        }
        for (n, s) in plan.activationScales where !(s > 0 && s.isFinite) {
            throw TransformerError.invalidInput("the activation scale of \(n) is \(s); it must be a positive number")
        }
        let kernel = plan.precision == .fp32 ? nil : try KernelPath.chosen(for: plan.precision)
        let keep = Set(plan.fp32Layers)
        let C = config.hiddenSize, H = config.intermediateSize
        var state = QuantizationState(precision: plan.precision, kernel: kernel, fp32Layers: plan.fp32Layers,
                                      linearLayers: names.count)
        func pack(_ name: String, _ w: UnsafePointer<Float>, M: Int, K: Int) -> PackedLinear? {
            guard let kernel, !keep.contains(name) else { return nil }
            let scale = kernel.precision == .int8 ? plan.activationScales[name] : nil
            let p = PackedLinear(weight: w, M: M, K: K, path: kernel, activationScale: scale)
            state.narrowLayers += 1; state.packedBytes += p.bytes
            return p
        }
        for i in layers.indices {
            let n = Array(names[(4 * i)..<(4 * i + 4)])
            layers[i].attention.qkvPacked = pack(n[0], layers[i].attention.qkvWeight, M: 3 * C, K: C)
            layers[i].attention.outPacked = pack(n[1], layers[i].attention.outWeight, M: C, K: C)
            layers[i].ffn.lin1Packed = pack(n[2], layers[i].ffn.lin1Weight, M: H, K: C)
            layers[i].ffn.lin2Packed = pack(n[3], layers[i].ffn.lin2Weight, M: C, K: H)
        }
        quantization = state
    }
}
