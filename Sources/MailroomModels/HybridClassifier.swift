// HybridClassifier: the `hybrid` model kind: a linear part and a transformer part, each a model directory of its own
// kind under the hybrid's directory, blended per head by the weights of hybrid.json (``HybridBlend``).
import Foundation
import MailroomCore
import MailroomLinear
import MailroomTransformer

/// A linear model (n-grams and fields) and a fine-tuned transformer, run on the same emails and combined per head.
///
/// The directory holds `config.json` (kind `hybrid`, its version and heads), `hybrid.json`, and the two parts in
/// `linear/` and `transformer/`. The transformer part runs on Mailroom's own engine; nothing of it is duplicated here.
/// > Warning: not thread-safe (the transformer part owns scratch buffers).
public final class HybridClassifier: TextClassifier {
    public let kind = "hybrid"
    public let version: String
    public let heads: [HeadSpec]
    public let linear: any TextClassifier
    public let transformer: any TextClassifier
    public let blend: HybridBlend
    /// Per head: each part's logit index for each of the hybrid's labels (nil: the part lacks that label).
    private let linearIndex: [[Int?]], transformerIndex: [[Int?]]

    /// Loads a hybrid directory; `threads` and `precision` go to the transformer part (see ``ModelLoader``).
    public static func load(directory: String, threads: Int = 2, precision: Precision? = nil,
                            releaseFP32Weights: Bool = false) throws -> HybridClassifier {
        let manifest = try ModelManifest.read(directory: directory)
        guard manifest.kind == "hybrid" else { throw ModelError.unknownKind(manifest.kind) }
        let blend = try HybridBlend.read(directory: directory, heads: manifest.heads)
        func part(_ name: String, kind: String) throws -> String {
            let path = (directory as NSString).appendingPathComponent(name)
            let m = try ModelManifest.read(directory: path)
            guard m.kind == kind else {
                throw ModelError.badConfig(path: path, reason: "a hybrid's \(name)/ part must be of kind \(kind), not \(m.kind)")
            }
            return path
        }
        let linear = try LinearModel.load(directory: part(HybridBlend.linearPart, kind: "linear"))
        let transformer = try TransformerClassifier.load(directory: part(HybridBlend.transformerPart, kind: "transformer"),
                                                         threads: threads, precision: precision,
                                                         releaseFP32Weights: releaseFP32Weights)
        return try HybridClassifier(version: manifest.version, heads: manifest.heads, linear: linear, transformer: transformer,
                                    blend: blend, directory: directory)
    }

    /// Combines two loaded parts; every head of `heads` must be a head of both.
    public init(version: String, heads: [HeadSpec], linear: any TextClassifier, transformer: any TextClassifier,
                blend: HybridBlend, directory: String = "(in memory)") throws {
        func index(_ part: any TextClassifier, _ name: String) throws -> [[Int?]] {
            try heads.map { head in
                guard let p = part.heads.first(where: { $0.name == head.name }) else {
                    throw ModelError.badConfig(path: directory, reason: "the \(name) part has no head \(head.name) (it has \(part.heads.map(\.name).joined(separator: ", ")))")
                }
                return head.labels.map { p.labels.firstIndex(of: $0) }
            }
        }
        linearIndex = try index(linear, "linear"); transformerIndex = try index(transformer, "transformer")
        self.version = version; self.heads = heads; self.linear = linear; self.transformer = transformer; self.blend = blend
    }

    public var precision: String? { transformer.precision }

    public func classify(_ texts: [String]) throws -> [ModelOutput] { try classify(inputs: texts.map { ModelInput(text: $0) }) }

    /// Both parts on the batch; per head the blended log-probabilities in the hybrid's label order.
    public func classify(inputs: [ModelInput]) throws -> [ModelOutput] {
        let a = try linear.classify(inputs: inputs), b = try transformer.classify(inputs: inputs)
        return zip(a, b).map { l, t in
            var logits: [String: [Float]] = [:]
            for (h, head) in heads.enumerated() {
                let zl = Self.reorder(l.logits[head.name] ?? [], linearIndex[h])
                let zt = Self.reorder(t.logits[head.name] ?? [], transformerIndex[h])
                logits[head.name] = (blend.heads[head.name] ?? HeadBlend(linearWeight: 0.5)).combine(linear: zl, transformer: zt)
            }
            return ModelOutput(logits: logits, tokenCount: t.tokenCount, truncated: t.truncated)
        }
    }

    /// A part's logits in the hybrid's label order; a label the part never saw gets a logit far below the others.
    static func reorder(_ z: [Float], _ index: [Int?]) -> [Float] {
        let floor = (z.min() ?? 0) - 30
        return index.map { i in i.flatMap { $0 < z.count ? z[$0] : nil } ?? floor }
    }

    /// At most `top` items from the parts the head's blend uses: all from the linear part at weight 1 (n-grams and
    /// fields, weights in that part's logit), all from the transformer at weight 0 (words by attention share,
    /// marked `attention: `), otherwise the heavier part's best ⌈top/2⌉ and the other's best ⌊top/2⌋ (a part with
    /// fewer leaves its place to the other).
    public func evidence(for input: ModelInput, head: String, label: String, top: Int) -> [EvidenceItem]? {
        guard top > 0 else { return nil }
        let w = blend.heads[head]?.linearWeight ?? 0.5
        let l = w > 0 ? linear.evidence(for: input, head: head, label: label, top: top) ?? [] : []
        let t = w < 1 ? transformer.evidence(for: input, head: head, label: label, top: top) ?? [] : []
        let (first, second) = w >= 0.5 ? (l, t) : (t, l)
        let firstCount = min(first.count, max(top - min(second.count, top / 2), (top + 1) / 2))
        return Array(first.prefix(firstCount)) + Array(second.prefix(top - firstCount))
    }

    public func warmUp() throws { try linear.warmUp(); try transformer.warmUp() }
}

extension HybridClassifier {
    /// Writes a hybrid directory's `config.json` (kind `hybrid`) and `hybrid.json` beside its two parts.
    public static func write(directory: String, version: String, heads: [HeadSpec], blend: HybridBlend) throws {
        struct Config: Encodable { var mailroom: ModelManifest }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(Config(mailroom: ModelManifest(kind: "hybrid", version: version, heads: heads)))
            .write(to: URL(fileURLWithPath: directory).appendingPathComponent("config.json"), options: .atomic)
        try blend.write(directory: directory)
    }

    /// Each part's logits on `rows` (which neither part was trained on), in the hybrid's label order, per head;
    /// rows whose label the hybrid lacks are left out of that head.
    public func heldOutLogits(rows: [DatasetRow], batchSize: Int = 64) throws
        -> [(linear: [[Float]], transformer: [[Float]], truth: [Int])] {
        var out = heads.map { _ in (linear: [[Float]](), transformer: [[Float]](), truth: [Int]()) }
        let index = heads.map { head in Dictionary(head.labels.enumerated().map { ($1, $0) }) { a, _ in a } }
        var start = 0
        while start < rows.count {
            let batch = Array(rows[start..<min(rows.count, start + batchSize)])
            let inputs = batch.map(\.input)
            let a = try linear.classify(inputs: inputs), b = try transformer.classify(inputs: inputs)
            for (r, row) in batch.enumerated() {
                for (h, head) in heads.enumerated() {
                    guard let label = row.labels[head.name], let y = index[h][label] else { continue }
                    out[h].linear.append(Self.reorder(a[r].logits[head.name] ?? [], linearIndex[h]))
                    out[h].transformer.append(Self.reorder(b[r].logits[head.name] ?? [], transformerIndex[h]))
                    out[h].truth.append(y)
                }
            }
            start += batchSize
        }
        return out
    }

    /// Fits each head's ``HeadBlend`` on `rows`, held out from both parts' training.
    public func fitBlend(rows: [DatasetRow]) throws -> HybridBlend {
        let logits = try heldOutLogits(rows: rows)
        var heads: [String: HeadBlend] = [:]
        for (h, head) in self.heads.enumerated() where !logits[h].truth.isEmpty {
            heads[head.name] = HeadBlend.fit(linear: logits[h].linear, transformer: logits[h].transformer,
                                             truth: logits[h].truth, classCount: head.labels.count)
        }
        for head in self.heads where heads[head.name] == nil { heads[head.name] = HeadBlend(linearWeight: 0.5) }
        return HybridBlend(fittedOn: "\(rows.count) training rows held out from both parts (not the validation rows)", heads: heads)
    }
}
