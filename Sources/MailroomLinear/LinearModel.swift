// LinearModel: the `linear` model kind: hashed tf-idf n-gram features and one softmax head per label set.
import Foundation
import MailroomCore

/// A trained linear classifier. Load with ``load(directory:)``, train with ``LinearTrainer``.
///
/// Immutable after training or loading, so it is `Sendable`: one instance may serve several threads.
public final class LinearModel: TextClassifier, Sendable {
    public let kind = "linear"
    public let version: String
    public var heads: [HeadSpec] { headWeights.map(\.spec) }
    /// The feature settings the model was trained with.
    public var featureParameters: FeatureParameters { space.hasher.parameters }
    /// Number of kept hashing buckets (F).
    public var featureCount: Int { space.featureCount }

    let space: FeatureSpace
    let headWeights: [HeadWeights]

    init(version: String, space: FeatureSpace, heads: [HeadWeights]) {
        self.version = version; self.space = space; self.headWeights = heads
    }

    /// The manifest written under `mailroom` in config.json.
    public var manifest: ModelManifest { ModelManifest(kind: kind, version: version, heads: heads) }

    /// Logits per head for each text (model texts, see ``modelText(subject:body:)``), every field absent.
    public func classify(_ texts: [String]) throws -> [ModelOutput] { try classify(inputs: texts.map { ModelInput(text: $0) }) }

    /// The features that raised `label`'s logit most: each kept feature's value × its weight for the label, named by
    /// the word n-grams and fields that hash to it; the character n-grams' contributions are summed as one item.
    public func evidence(for input: ModelInput, head: String, label: String, top: Int) -> [EvidenceItem]? {
        guard let h = headWeights.first(where: { $0.spec.name == head }), let c = h.spec.labels.firstIndex(of: label) else { return nil }
        let v = space.vector(input)
        var names: [Int: [String]] = [:]
        for f in space.hasher.namedFeatures(input) {
            guard let j = space.compactIndex(f.bucket) else { continue }
            if !(names[j]?.contains(f.name) ?? false) { names[j, default: []].append(f.name) }
        }
        var items: [EvidenceItem] = [], characters = 0.0
        for (j, x) in zip(v.indices, v.values) {
            let w = Double(x) * Double(h.weights[Int(j) * h.classCount + c])
            if let n = names[Int(j)] { items.append(EvidenceItem(feature: n.joined(separator: " / "), weight: w)) } else { characters += w }
        }
        if characters != 0 { items.append(EvidenceItem(feature: "(character n-grams)", weight: characters)) }
        return Array(items.filter { $0.weight > 0 }.sorted { $0.weight > $1.weight }.prefix(max(0, top)))
    }

    /// Logits per head for each email: its text's n-grams and, for a model trained with fields, its fields.
    public func classify(inputs: [ModelInput]) throws -> [ModelOutput] {
        inputs.map { input in
            let v = space.vector(input)
            var logits: [String: [Float]] = [:]
            for h in headWeights { logits[h.spec.name] = h.logits(v) }
            return ModelOutput(logits: logits)
        }
    }
}
