// TrafficProfile: what a model predicted and what it read, as counts: per head the predicted labels, a confidence
// histogram and the mean confidence; the input mix (languages, model-text length buckets). Training writes the
// validation rows' profile (`validation/profile.json`); the feedback-collector's /metrics and `mailroom feedback
// report --html` build the same profile of live traffic and compare them with the population stability index.
// The bucket definitions and PSI live here only, so training and the live side can never disagree.
import Foundation

/// Counts of predictions and inputs; built with ``add(labels:confidences:language:modelText:)``.
public struct TrafficProfile: Codable, Sendable, Equatable {
    /// Where training writes the validation profile, relative to the model directory.
    public static let validationPath = "validation/profile.json"
    /// Confidence histogram bins: 10 equal bins over [0, 1]; bin i holds [i/10, (i+1)/10), the last one includes 1.
    public static let confidenceBins = 10
    /// The language value of inputs without a language.
    public static let noLanguage = "none"
    /// Model-text length buckets, in Unicode scalars of ``modelText(subject:body:)``: a bucket holds lengths below
    /// its upper bound and at or above the previous one.
    public static let lengthBuckets: [(name: String, upperBound: Int)] = [
        ("<200", 200), ("200-499", 500), ("500-999", 1000), ("1000-1999", 2000), (">=2000", Int.max),
    ]
    /// The smallest share PSI uses for a bin (an empty bin would make ln(a/e) infinite).
    public static let psiFloor = 1e-4

    /// Per head: predicted-label counts, confidence histogram, mean confidence.
    public struct Head: Codable, Sendable, Equatable {
        /// Predictions with this head.
        public var count = 0
        /// Predicted label → count.
        public var labels: [String: Int] = [:]
        /// Counts per confidence bin (``TrafficProfile/confidenceBins`` entries).
        public var confidenceHistogram = [Int](repeating: 0, count: TrafficProfile.confidenceBins)
        /// Mean confidence of the predicted label (0 when `count` is 0).
        public var meanConfidence = 0.0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case count, labels
            case confidenceHistogram = "confidence_histogram"
            case meanConfidence = "mean_confidence"
        }
    }

    /// Predictions profiled.
    public var count = 0
    public var heads: [String: Head] = [:]
    /// Language → count (``noLanguage`` for none).
    public var languages: [String: Int] = [:]
    /// Length bucket name (``lengthBuckets``) → count.
    public var lengths: [String: Int] = [:]

    public init() {}

    /// Adds one prediction and its input.
    /// - Parameters:
    ///   - labels: head → predicted label.
    ///   - confidences: head → the predicted label's confidence, in [0, 1] (clamped).
    ///   - language: the input's language, nil when unknown.
    ///   - modelText: the text the model read (``modelText(subject:body:)``); only its length is kept.
    public mutating func add(labels: [String: String], confidences: [String: Double], language: String?, modelText: String) {
        count += 1
        for (name, label) in labels {
            var h = heads[name] ?? Head()
            h.count += 1
            h.labels[label, default: 0] += 1
            let c = min(max(confidences[name] ?? 0, 0), 1)
            h.confidenceHistogram[Self.confidenceBin(c)] += 1
            h.meanConfidence += (c - h.meanConfidence) / Double(h.count)
            heads[name] = h
        }
        languages[language.flatMap { $0.isEmpty ? nil : $0 } ?? Self.noLanguage, default: 0] += 1
        lengths[Self.lengthBucket(modelText.unicodeScalars.count), default: 0] += 1
    }

    /// The bin of a confidence in [0, 1].
    public static func confidenceBin(_ confidence: Double) -> Int {
        min(max(Int((confidence * Double(confidenceBins)).rounded(.down)), 0), confidenceBins - 1)
    }

    /// The ``lengthBuckets`` name for a model text of `length` Unicode scalars.
    public static func lengthBucket(_ length: Int) -> String {
        lengthBuckets.first { length < $0.upperBound }!.name
    }

    /// Population stability index of `actual` against `expected`, over the union of their bins:
    /// PSI = Σ (a − e) · ln(a / e), where a and e are each bin's share of its total, floored at ``psiFloor`` so that an
    /// empty bin stays finite. 0 for identical shares; by the usual rule of thumb < 0.1 is stable, 0.1–0.25 a
    /// moderate shift and > 0.25 a large one. Nil when either side is empty.
    public static func psi(actual: [String: Int], expected: [String: Int]) -> Double? {
        let a = actual.values.reduce(0, +), e = expected.values.reduce(0, +)
        guard a > 0, e > 0 else { return nil }
        var sum = 0.0
        for bin in Set(actual.keys).union(expected.keys) {
            let pa = max(Double(actual[bin] ?? 0) / Double(a), psiFloor)
            let pe = max(Double(expected[bin] ?? 0) / Double(e), psiFloor)
            sum += (pa - pe) * Foundation.log(pa / pe)
        }
        return sum
    }

    /// ``psi(actual:expected:)`` of two histograms with the same bins (index = bin).
    public static func psi(actual: [Int], expected: [Int]) -> Double? {
        func keyed(_ h: [Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: h.enumerated().map { ("\($0.offset)", $0.element) })
        }
        return psi(actual: keyed(actual), expected: keyed(expected))
    }

    /// Per head of this profile that `expected` also has: PSI of the predicted labels and of the confidence
    /// histogram against `expected` (a version's validation profile).
    public func drift(against expected: TrafficProfile) -> [String: (labels: Double, confidence: Double)] {
        var out: [String: (labels: Double, confidence: Double)] = [:]
        for (name, h) in heads {
            guard let e = expected.heads[name], let labels = Self.psi(actual: h.labels, expected: e.labels),
                  let confidence = Self.psi(actual: h.confidenceHistogram, expected: e.confidenceHistogram) else { continue }
            out[name] = (labels, confidence)
        }
        return out
    }

    /// The shares of `counts` with at most `limit` named bins: the largest `limit − 1` keep their names (ties by
    /// name) and the rest are summed as `other`, so label values from traffic cannot grow a report or /metrics.
    public static func cappedShares(_ counts: [String: Int], limit: Int) -> [String: Double] {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return [:] }
        let ranked = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var shares: [String: Double] = [:]
        for (i, (key, n)) in ranked.enumerated() {
            let name = ranked.count <= limit || i < limit - 1 ? key : "other"
            shares[name, default: 0] += Double(n) / Double(total)
        }
        return shares
    }

    /// Reads a profile written by ``write(to:)``.
    /// - Throws: ``TrafficProfileError/unreadable(path:reason:)`` with the file and why.
    public static func read(from path: String) throws -> TrafficProfile {
        do { return try JSONDecoder().decode(TrafficProfile.self, from: Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw TrafficProfileError.unreadable(path: path, reason: "\(error)")
        }
    }

    /// Writes the profile as pretty JSON with sorted keys, creating the folder.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    enum CodingKeys: String, CodingKey {
        case count, heads, languages
        case lengths = "length_buckets"
    }
}

/// Errors reading a traffic profile.
public enum TrafficProfileError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            "cannot read the traffic profile \(path) (\(reason)); retrain the version (`mailroom train` writes it) or remove the file"
        }
    }
}
