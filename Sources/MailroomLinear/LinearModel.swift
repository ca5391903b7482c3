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
