// TextClassifier: the one protocol every model kind (linear, transformer) implements.
import Foundation

/// A head of a multi-task model: its name (a dataset label set) and its labels in logit order.
public struct HeadSpec: Codable, Sendable, Equatable {
    public var name: String
    public var labels: [String]
    public init(name: String, labels: [String]) { self.name = name; self.labels = labels }
}

/// What a model returns for one text: per head, the logits in ``HeadSpec/labels`` order.
public struct ModelOutput: Sendable, Equatable {
    /// Head name → raw logits (length = number of labels of that head).
    public var logits: [String: [Float]]
    /// Tokens read (transformer kinds only) and whether the input was truncated.
    public var tokenCount: Int?
    public var truncated: Bool?
    public init(logits: [String: [Float]], tokenCount: Int? = nil, truncated: Bool? = nil) {
        self.logits = logits; self.tokenCount = tokenCount; self.truncated = truncated
    }
}

/// A loaded model of any kind. Implementations are used from one thread at a time
/// (they own scratch buffers), hence not `Sendable`.
public protocol TextClassifier: AnyObject {
    /// `linear`, `transformer`, …
    var kind: String { get }
    /// The model version string recorded with every prediction.
    var version: String { get }
    /// The heads, in a fixed order.
    var heads: [HeadSpec] { get }
    /// Runs the model on a batch of model texts (see ``modelText(subject:body:)``), every structured field absent.
    func classify(_ texts: [String]) throws -> [ModelOutput]
    /// Runs the model on a batch of emails with their structured fields; kinds that read no fields see the text only.
    func classify(inputs: [ModelInput]) throws -> [ModelOutput]
    /// Runs a representative input through the model once so the first real request is not slow.
    func warmUp() throws
    /// The version's calibration (temperatures, review thresholds), nil for an uncalibrated model.
    var calibration: ModelCalibration? { get }
    /// The `top` features that raised `label`'s logit of `head` most for this input, largest first; nil when the kind
    /// cannot say (only the linear kind can for now).
    func evidence(for input: ModelInput, head: String, label: String, top: Int) -> [EvidenceItem]?
    /// The arithmetic the model computes at (`fp32`, `int8`, `bf16`), recorded with each prediction; nil for kinds
    /// with no choice (linear).
    var precision: String? { get }
}

extension TextClassifier {
    public func warmUp() throws { _ = try classify(["Guten Tag, bitte um Rückruf wegen meines Depots."]) }
    public var calibration: ModelCalibration? { nil }
    public var precision: String? { nil }
    public func classify(inputs: [ModelInput]) throws -> [ModelOutput] { try classify(inputs.map(\.text)) }
    public func evidence(for input: ModelInput, head: String, label: String, top: Int) -> [EvidenceItem]? { nil }

    /// ``prediction(id:output:includeLogits:)`` with each head's `top` evidence items where the kind has them.
    public func prediction(id: String, input: ModelInput, output: ModelOutput, includeLogits: Bool = false,
                           evidence top: Int) -> Prediction {
        var p = prediction(id: id, output: output, includeLogits: includeLogits)
        guard top > 0 else { return p }
        for (head, h) in p.heads { p.heads[head]?.evidence = evidence(for: input, head: head, label: h.label, top: top) }
        return p
    }

    /// Turns raw logits into the public prediction: per head the arg-max label and its softmax probability, at the
    /// head's calibrated temperature when the model has one, with the head's review threshold when it has one.
    public func prediction(id: String, output: ModelOutput, includeLogits: Bool = false) -> Prediction {
        var heads: [String: HeadPrediction] = [:]
        let calibration = self.calibration
        for head in self.heads {
            guard let z = output.logits[head.name], !z.isEmpty else { continue }
            let c = calibration?.heads[head.name]
            let p = softmax(c.map { c in z.map { Float(Double($0) / c.temperature) } } ?? z)
            var best = 0
            for i in 1..<p.count where p[i] > p[best] { best = i }
            heads[head.name] = HeadPrediction(label: head.labels[best], confidence: Double(p[best]),
                                              logits: includeLogits ? z : nil, reviewThreshold: c?.review?.threshold)
        }
        return Prediction(id: id, modelVersion: version, heads: heads,
                          tokenCount: output.tokenCount, truncated: output.truncated, precision: precision)
    }
}

/// Numerically stable softmax of a logit vector.
public func softmax(_ z: [Float]) -> [Float] {
    guard let m = z.max() else { return [] }
    var e = z.map { Foundation.exp($0 - m) }
    let s = e.reduce(0, +)
    for i in e.indices { e[i] /= s }
    return e
}
