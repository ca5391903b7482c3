// TransformerCheckpoint: makes a servable Mailroom checkpoint from a bare HF encoder directory plus head specs.
import Foundation
import MailroomCore

/// Creates Mailroom checkpoint directories (the starting point of fine-tuning, too).
public enum TransformerCheckpoint {
    /// Writes `out/` with config.json (the encoder's config + a `mailroom` object), model.safetensors (encoder
    /// tensors under HF base-model names, float32, plus freshly initialised heads) and the tokenizer files.
    ///
    /// Heads are initialised like PyTorch's `nn.Linear` default (weights and biases uniform in ±1/√fan_in),
    /// from `seed`, so the same call gives the same file.
    /// - Parameters:
    ///   - encoder: an HF BERT/DistilBERT directory (config.json, model.safetensors, tokenizer files); tensors may
    ///     carry the task-model prefix `bert.` / `distilbert.` and any dtype F32/F16/BF16.
    ///   - heads: one head per label set, in logit order.
    ///   - maxLength: tokens per input, at most the encoder's max_position_embeddings.
    public static func create(encoder: String, heads: [HeadSpec], version: String, maxLength: Int, seed: UInt64,
                              out: String) throws {
        let (config, json) = try EncoderConfig.read(directory: encoder)
        guard maxLength >= 2, maxLength <= config.maxPositions else {
            throw TransformerError.badConfig(path: encoder, reason: "max_length \(maxLength) must be 2…\(config.maxPositions)")
        }
        guard !heads.isEmpty, heads.allSatisfy({ !$0.labels.isEmpty }) else {
            throw TransformerError.invalidInput("a checkpoint needs at least one head, each with at least one label")
        }
        let reader = try SafetensorsReader(path: (encoder as NSString).appendingPathComponent("model.safetensors"))
        var tensors: [String: SafetensorsWriter.Tensor] = [:]
        let taskPrefix = config.family.rawValue + "."
        for (key, entry) in reader.entries where reader.isFloatReadable(key) {
            let name = key.hasPrefix(taskPrefix) ? String(key.dropFirst(taskPrefix.count)) : key
            guard ["embeddings.", "encoder.", "transformer.", "pooler."].contains(where: name.hasPrefix) else { continue }
            tensors[name] = SafetensorsWriter.Tensor(shape: entry.shape, values: try reader.floats(key))
        }
        // Heads: whatever ClassificationHead.load takes, drawn in its order (both fan-ins are C).
        let C = config.hiddenSize
        let initializer = UniformInitializer(seed: seed, bound: 1 / Float(C).squareRoot())
        for head in heads {
            _ = try ClassificationHead.load(from: initializer, name: head.name, labels: head.labels.count, C: C)
        }
        tensors.merge(initializer.tensors) { _, head in head }
        let fm = FileManager.default
        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        try SafetensorsWriter.write(tensors, to: (out as NSString).appendingPathComponent("model.safetensors"))
        var cfg = json
        cfg["mailroom"] = ["kind": "transformer", "version": version, "max_length": maxLength,
                           "heads": heads.map { ["name": $0.name, "labels": $0.labels] }] as [String: Any]
        let data = try JSONSerialization.data(withJSONObject: cfg, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("config.json")))
        var copied = 0
        for f in ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            let src = (encoder as NSString).appendingPathComponent(f), dst = (out as NSString).appendingPathComponent(f)
            guard fm.fileExists(atPath: src) else { continue }
            if fm.fileExists(atPath: dst) { try fm.removeItem(atPath: dst) }
            try fm.copyItem(atPath: src, toPath: dst)
            if f == "tokenizer.json" || f == "vocab.txt" { copied += 1 }
        }
        guard copied > 0 else { throw TransformerError.missingFile((encoder as NSString).appendingPathComponent("vocab.txt")) }
    }
}

/// A ``TensorSource`` that makes up every tensor asked for, uniform in ±bound from one seeded generator in the order
/// asked (PyTorch's `nn.Linear` default init with bound 1/√fan_in), and keeps them for writing.
final class UniformInitializer: TensorSource {
    private var rng: SplitMix64
    let bound: Float
    /// The tensors made so far, by key.
    private(set) var tensors: [String: SafetensorsWriter.Tensor] = [:]
    private var buffers: [UnsafeMutablePointer<Float>] = []

    init(seed: UInt64, bound: Float) { rng = SplitMix64(seed: seed); self.bound = bound }
    deinit { for b in buffers { b.deallocate() } }

    func takeConcatenated(_ keys: [String], _ shapes: [[Int]], encoder: Bool) throws -> UnsafeMutablePointer<Float> {
        let total = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        let start = UnsafeMutablePointer<Float>.allocate(capacity: max(total, 1))
        buffers.append(start)
        var at = start
        for (key, shape) in zip(keys, shapes) {
            let values = rng.uniform(shape.reduce(1, *), bound)
            tensors[key] = .init(shape: shape, values: values)
            at.initialize(from: values, count: values.count)
            at += values.count
        }
        return start
    }
}

/// The project's seeded generator (MailroomCore), under the name the training code uses.
typealias SplitMix64 = SeededGenerator

extension SeededGenerator {
    /// `count` floats uniform in [-bound, bound).
    mutating func uniform(_ count: Int, _ bound: Float) -> [Float] {
        (0..<count).map { _ in (Float(next() >> 40) / Float(1 << 24) * 2 - 1) * bound }
    }
}
