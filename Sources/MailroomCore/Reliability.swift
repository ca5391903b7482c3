// Reliability: how well confidences match accuracy (expected calibration error, reliability bins) and what a
// confidence threshold buys (precision against coverage) — the figures behind calibration and review routing.

/// One bin of a reliability diagram: predictions whose confidence fell in [lower, upper).
public struct ReliabilityBin: Codable, Sendable, Equatable {
    public var lower: Double
    public var upper: Double
    public var count: Int
    public var meanConfidence: Double
    public var accuracy: Double

    enum CodingKeys: String, CodingKey {
        case lower, upper, count, accuracy
        case meanConfidence = "mean_confidence"
    }
}

public enum Reliability {
    /// `bins` equal-width bins over [0, 1]; empty bins are left out.
    public static func bins(confidences: [Double], correct: [Bool], bins: Int = 15) -> [ReliabilityBin] {
        var count = [Int](repeating: 0, count: bins), conf = [Double](repeating: 0, count: bins)
        var right = [Int](repeating: 0, count: bins)
        for (c, ok) in zip(confidences, correct) {
            let b = min(bins - 1, max(0, Int(c * Double(bins))))
            count[b] += 1; conf[b] += c; if ok { right[b] += 1 }
        }
        return (0..<bins).compactMap { b in
            guard count[b] > 0 else { return nil }
            return ReliabilityBin(lower: Double(b) / Double(bins), upper: Double(b + 1) / Double(bins), count: count[b],
                                  meanConfidence: conf[b] / Double(count[b]), accuracy: Double(right[b]) / Double(count[b]))
        }
    }

    /// Expected calibration error: Σ_bins (n_b / N) · |accuracy_b − mean confidence_b| (0 when there are no rows).
    public static func ece(confidences: [Double], correct: [Bool], bins: Int = 15) -> Double {
        let n = Double(confidences.count)
        guard n > 0 else { return 0 }
        return self.bins(confidences: confidences, correct: correct, bins: bins)
            .reduce(0) { $0 + Double($1.count) / n * abs($1.accuracy - $1.meanConfidence) }
    }
}

/// One operating point: route automatically every prediction with confidence ≥ `threshold`.
public struct CoveragePoint: Codable, Sendable, Equatable {
    public var threshold: Double
    /// Share of rows at or above the threshold, and the share of those that are right.
    public var coverage: Double
    public var precision: Double
}

public enum PrecisionCoverage {
    /// Every distinct threshold, from the highest confidence down: point k covers the rows with confidence ≥ the
    /// k-th distinct confidence. Coverage rises along the curve; precision usually falls.
    public static func curve(confidences: [Double], correct: [Bool]) -> [CoveragePoint] {
        let order = confidences.indices.sorted { confidences[$0] > confidences[$1] }
        let n = Double(order.count)
        var points: [CoveragePoint] = [], right = 0
        for (k, i) in order.enumerated() {
            if correct[i] { right += 1 }
            let last = k + 1 == order.count
            if last || confidences[order[k + 1]] < confidences[i] {
                points.append(CoveragePoint(threshold: confidences[i], coverage: Double(k + 1) / n,
                                            precision: Double(right) / Double(k + 1)))
            }
        }
        return points
    }

    /// Coverage and precision at one threshold (rows with confidence ≥ threshold); precision is nil when none is covered.
    public static func at(threshold: Double, confidences: [Double], correct: [Bool]) -> (coverage: Double, precision: Double?) {
        var covered = 0, right = 0
        for (c, ok) in zip(confidences, correct) where c >= threshold { covered += 1; if ok { right += 1 } }
        guard !confidences.isEmpty else { return (0, nil) }
        return (Double(covered) / Double(confidences.count), covered == 0 ? nil : Double(right) / Double(covered))
    }

    /// At most `count` points of `curve`, evenly spaced along it, the last one kept (for plots).
    public static func thin(_ curve: [CoveragePoint], to count: Int = 200) -> [CoveragePoint] {
        guard curve.count > count, count >= 2 else { return curve }
        return (0..<count).map { curve[$0 * (curve.count - 1) / (count - 1)] }
    }
}
