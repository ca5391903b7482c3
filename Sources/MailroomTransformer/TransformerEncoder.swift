// TransformerEncoder: a BERT/DistilBERT encoder (embeddings + L blocks) loaded from an HF checkpoint, run on
// packed batches.
//
// Key: B = sequences in the batch, T = one sequence's length, N = ΣT tokens (packed back to back, no padding),
// C = hidden size, H = intermediate size, NH = heads, L = layers, V = vocab size, P = position table length.
import COpenBLAS
import Foundation

/// The encoder: HF keys `embeddings.*` and `encoder.layer.{i}.*` (BERT) or `transformer.layer.{i}.*`
/// (DistilBERT), optionally under the task-model prefix `bert.` / `distilbert.`.
public final class TransformerEncoder {
    public let config: EncoderConfig
    let embeddings: Embeddings
    var layers: [TransformerBlock]
    /// How the Linear layers run now (fp32 until ``apply(_:)``).
    public internal(set) var quantization = QuantizationState()
    /// Set by ``releasePackedFP32Weights()``: the packed layers' fp32 weights are gone (zero pages).
    var fp32WeightsReleased = false
    let store: ParameterStore
    let activations: Activations
    /// Threads for OpenBLAS and the elementwise passes.
    public var threads: Int

    init(config: EncoderConfig, loader: ParameterLoader, threads: Int) throws {
        self.config = config
        (embeddings, layers) = try Self.modules(from: loader, config: config)
        store = loader.store
        activations = Activations(C: config.hiddenSize, H: config.intermediateSize)
        self.threads = threads
    }

    /// The embeddings and the L blocks, from HF keys `embeddings.*` and `encoder.layer.{i}.*` /
    /// `transformer.layer.{i}.*`.
    static func modules(from source: some TensorSource, config: EncoderConfig) throws
        -> (embeddings: Embeddings, layers: [TransformerBlock]) {
        let embeddings = try Embeddings.load(from: source, prefix: "embeddings.", config: config)
        let layerPrefix = layerPrefix(config.family)
        let layers = try (0..<config.numLayers).map {
            try TransformerBlock.load(from: source, prefix: "\(layerPrefix)\($0).", config: config)
        }
        return (embeddings, layers)
    }

    /// HF prefix of the blocks: `encoder.layer.` (BERT) or `transformer.layer.` (DistilBERT).
    static func layerPrefix(_ f: EncoderFamily) -> String { f == .bert ? "encoder.layer." : "transformer.layer." }

    /// Loads a bare encoder directory (config.json + model.safetensors), e.g. the bundled MiniLM.
    public static func load(directory: String, threads: Int = 2) throws -> TransformerEncoder {
        let (config, _) = try EncoderConfig.read(directory: directory)
        let path = (directory as NSString).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: path) else { throw TransformerError.missingFile(path) }
        return try TransformerEncoder(config: config, loader: ParameterLoader(path: path, family: config.family),
                                      threads: threads)
    }

    /// Bytes of weights in memory.
    public var parameterBytes: Int { store.bytes }
    /// Bytes of activation buffers in memory now.
    public var activationBytes: Int { activations.bytes }

    /// Runs the encoder and returns the final hidden state of each sequence's first token, (B, C) row-major.
    ///
    /// - Parameters:
    ///   - sequences: token ids, each `[CLS] … [SEP]`, at most P long.
    ///   - fullLastLayer: run the last layer for every token (as a generic encoder does) instead of only
    ///     for the first tokens; the result is the same, this exists for comparisons and tests.
    public func firstTokenStates(_ sequences: [[Int]], fullLastLayer: Bool = false) throws -> [Float] {
        let p = try forward(sequences, fullLastLayer: fullLastLayer)
        return Array(UnsafeBufferPointer(start: p, count: sequences.count * config.hiddenSize))
    }

    /// The forward pass; returns a pointer to (B, C) first-token states in the activation buffers (valid until
    /// the next call).
    func forward(_ sequences: [[Int]], fullLastLayer: Bool = false,
                 attentionRecord: UnsafeMutablePointer<Float>? = nil) throws -> UnsafeMutablePointer<Float> {
        let B = sequences.count, C = config.hiddenSize
        var offsets = [0]
        offsets.reserveCapacity(B + 1)
        var T = 0
        for s in sequences {
            guard !s.isEmpty, s.count <= config.maxPositions else {
                throw TransformerError.invalidInput("a sequence has \(s.count) tokens; the encoder takes 1…\(config.maxPositions)")
            }
            offsets.append(offsets.last! + s.count); T = max(T, s.count)
        }
        let N = offsets.last!
        let a = activations
        a.reserve(N: N, B: B, T: T, threads: threads)
        // ids, positions (N)
        for (i, s) in sequences.enumerated() {
            let o = offsets[i]
            for (t, id) in s.enumerated() {
                guard id >= 0, id < config.vocabSize else {
                    throw TransformerError.invalidInput("token id \(id) is outside the vocabulary (V = \(config.vocabSize)); the tokenizer does not match the encoder")
                }
                a.ids[o + t] = Int32(id); a.positions[o + t] = Int32(t)
            }
        }
        setBLASThreads(threads)
        // x (N, C) = embeddings
        let ids = SendablePointer(a.ids), pos = SendablePointer(a.positions), x = SendablePointer(a.x), emb = embeddings
        parallelChunks(N, threads: threads) { r in
            emb.forward(x.p + r.lowerBound * C, ids: ids.p + r.lowerBound, positions: pos.p + r.lowerBound, N: r.count)
        }
        // An attention-rollout run (one sequence) records each layer's (NH, T, T) probabilities, the last one's (NH, T).
        defer { a.attentionRecord = nil }
        for (l, block) in layers.enumerated() {
            a.attentionRecord = attentionRecord.map { $0 + l * config.numHeads * T * T }
            if l == layers.count - 1, !fullLastLayer {
                block.forwardFirstTokens(a.xCLS, a.x, offsets: offsets, a: a, threads: threads)
                return a.xCLS
            }
            block.forward(a.x, offsets: offsets, a: a, threads: threads)
        }
        for s in 0..<B { (a.xCLS + s * C).update(from: a.x + offsets[s] * C, count: C) }
        return a.xCLS
    }
}
