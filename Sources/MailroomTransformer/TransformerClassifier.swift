// TransformerClassifier: the `transformer` model kind: tokenizer + encoder + one classification head per label set,
// loaded from a Mailroom checkpoint directory (HF config.json with a `mailroom` object, model.safetensors, tokenizer).
import Foundation
import MailroomCore
import MailroomTokenizer

/// A fine-tuned BERT/DistilBERT classifier with one head per label set.
///
/// ```swift
/// let model = try TransformerClassifier.load(directory: "models/tx-1", threads: 2)
/// try model.warmUp()
/// let outputs = try model.classify([modelText(subject: s, body: b)])
/// ```
/// > Warning: not thread-safe: it owns its scratch buffers. Use one instance per thread.
public final class TransformerClassifier: TextClassifier {
    public let kind = "transformer"
    public let version: String
    public let heads: [HeadSpec]
    public let tokenizer: BertTokenizer
    public let encoder: TransformerEncoder
    /// Tokens per sequence, `[CLS]` and `[SEP]` included.
    public let maxLength: Int
    /// The structured fields the model was trained to read before the text (config.json `mailroom.fields`).
    public internal(set) var fields: [String] = []
    /// Unicode scalars read per text before tokenising (bounds the cost of huge bodies).
    public var maxCharacters: Int
    /// Most tokens in one packed batch; texts are sorted by length and cut into batches of this many tokens.
    public var tokenBudget: Int
    let classificationHeads: [ClassificationHead]
    private var logitsScratch: [Float] = []

    /// Loads a checkpoint directory.
    /// - Parameters:
    ///   - directory: holds config.json (the encoder's HF config plus a `mailroom` object), model.safetensors and
    ///     tokenizer.json or vocab.txt (+ tokenizer_config.json).
    ///   - threads: OpenBLAS and elementwise threads.
    ///   - precision: what the encoder's Linear layers run at; nil: what config.json's `quantization` block says
    ///     (its `scheme`, fp32 layers and activation scales), fp32 without one. A given precision keeps the block's
    ///     fp32 layers and scales.
    ///   - releaseFP32Weights: when the layers run narrow, hand their fp32 copies back to the OS after packing
    ///     (``TransformerEncoder/releasePackedFP32Weights()``): less memory, but the model cannot be re-packed.
    public static func load(directory: String, threads: Int = 2, precision: Precision? = nil,
                            releaseFP32Weights: Bool = false) throws -> TransformerClassifier {
        let manifest = try ModelManifest.read(directory: directory)
        guard manifest.kind == "transformer" else { throw ModelError.unknownKind(manifest.kind) }
        let (config, json) = try EncoderConfig.read(directory: directory)
        var plan = try QuantizationPlan.read(configJSON: json, path: directory) ?? QuantizationPlan(precision: .fp32)
        if let precision { plan.precision = precision }
        let path = (directory as NSString).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: path) else { throw TransformerError.missingFile(path) }
        let loader = try ParameterLoader(path: path, family: config.family)
        let encoder = try TransformerEncoder(config: config, loader: loader, threads: threads)
        try encoder.apply(plan)
        if releaseFP32Weights { encoder.releasePackedFP32Weights() }
        let heads = try manifest.heads.map {
            try ClassificationHead.load(from: loader, name: $0.name, labels: $0.labels.count, C: config.hiddenSize)
        }
        let tokenizer = try BertTokenizer.load(directory: directory)
        guard tokenizer.wordPiece.tokens.count <= config.vocabSize else {
            throw TransformerError.badConfig(path: directory, reason: "the tokenizer has \(tokenizer.wordPiece.tokens.count) tokens but the encoder only \(config.vocabSize); they are from different checkpoints")
        }
        let maxLength = manifest.maxLength ?? min(512, config.maxPositions)
        guard maxLength >= 2, maxLength <= config.maxPositions else {
            throw TransformerError.badConfig(path: directory, reason: "max_length \(maxLength) must be 2…\(config.maxPositions) (max_position_embeddings)")
        }
        let fields = manifest.fields ?? []
        do { try ModelInput.validate(fields: fields) } catch {
            throw TransformerError.badConfig(path: directory, reason: "\(error)")
        }
        let model = TransformerClassifier(version: manifest.version, heads: manifest.heads, tokenizer: tokenizer,
                                          encoder: encoder, maxLength: maxLength, classificationHeads: heads)
        model.fields = fields
        return model
    }

    init(version: String, heads: [HeadSpec], tokenizer: BertTokenizer, encoder: TransformerEncoder, maxLength: Int,
         classificationHeads: [ClassificationHead]) {
        self.version = version; self.heads = heads; self.tokenizer = tokenizer; self.encoder = encoder
        self.maxLength = maxLength; self.classificationHeads = classificationHeads
        maxCharacters = max(4096, maxLength * 64)
        tokenBudget = max(2048, maxLength * 8)
    }

    /// The precision predictions are computed at (`fp32`, `int8`, `bf16`; see ``TransformerEncoder/quantization``).
    public var precision: String? { encoder.quantization.effective.rawValue }

    /// OpenBLAS and elementwise threads.
    public var threads: Int {
        get { encoder.threads }
        set { encoder.threads = max(1, newValue) }
    }

    /// The ids the model reads for `text` (`[CLS] … [SEP]`, truncated to ``maxLength``).
    public func tokenize(_ text: String) -> [Int] { encode(text).ids }

    /// Ids and truncation flag for `text`.
    public func encode(_ text: String) -> Encoding {
        tokenizer.encode(text, maxLength: maxLength, maxCharacters: maxCharacters)
    }

    /// Per head logits for each text (in input order), with token counts and truncation flags.
    public func classify(_ texts: [String]) throws -> [ModelOutput] {
        try classify(inputs: texts.map { ModelInput(text: $0) })
    }

    /// ``classify(_:)`` for emails with their fields: a model trained with ``fields`` reads them written before the text.
    public func classify(inputs: [ModelInput]) throws -> [ModelOutput] {
        try classify(encodings: inputs.map { encode($0.prefixed(fields: fields)) })
    }

    /// ``classify(_:)`` for already tokenised texts. Sorts by length, runs batches of at most ``tokenBudget`` tokens.
    public func classify(encodings: [Encoding]) throws -> [ModelOutput] {
        var outputs = [ModelOutput?](repeating: nil, count: encodings.count)
        let order = encodings.indices.sorted { encodings[$0].ids.count < encodings[$1].ids.count }
        var start = 0
        while start < order.count {
            var end = start, tokens = 0
            while end < order.count, end == start || tokens + encodings[order[end]].ids.count <= tokenBudget {
                tokens += encodings[order[end]].ids.count; end += 1
            }
            let batch = Array(order[start..<end])
            let logits = try runHeads(batch.map { encodings[$0].ids })
            for (row, i) in batch.enumerated() {
                outputs[i] = ModelOutput(logits: logits.mapValues { Array($0[row]) },
                                         tokenCount: encodings[i].ids.count, truncated: encodings[i].truncated)
            }
            start = end
        }
        return outputs.map { $0! }
    }

    /// Encoder + heads on one packed batch; head name → (B) rows of logits.
    func runHeads(_ sequences: [[Int]]) throws -> [String: [[Float]]] {
        let B = sequences.count
        let cls = try encoder.forward(sequences)
        var result: [String: [[Float]]] = [:]
        for head in classificationHeads {
            if logitsScratch.count < B * head.labels { logitsScratch = [Float](repeating: 0, count: B * head.labels) }
            logitsScratch.withUnsafeMutableBufferPointer { out in
                head.forward(out.baseAddress!, cls, hidden: encoder.activations.headHidden, B: B)
            }
            result[head.name] = (0..<B).map { Array(logitsScratch[($0 * head.labels)..<(($0 + 1) * head.labels)]) }
        }
        return result
    }

    /// Runs a typical email once and a full-length input once, so buffers are allocated before the first request.
    public func warmUp() throws {
        let long = String(repeating: "Sehr geehrte Damen und Herren, bitte um Rückruf wegen meines Depots. ", count: 64)
        _ = try classify(["Guten Tag, bitte um Rückruf wegen meines Depots.", long])
    }
}
