// ConfidenceFigures: how far one head's confidences can be trusted on the evaluated rows — calibration error, the
// reliability diagram's bins, precision against coverage, and what the version's review threshold does here.
import MailroomCore

/// One head's review threshold applied to the evaluated rows.
public struct ReviewOnRows: Codable, Sendable, Equatable {
    /// The precision target the threshold was derived for at training (on held-out training rows).
    public var targetPrecision: Double
    public var threshold: Double
    /// Share of these rows routed without review, and the precision among them (nil when none is).
    public var coverage: Double
    public var precision: Double?

    enum CodingKeys: String, CodingKey {
        case threshold, coverage, precision
        case targetPrecision = "target_precision"
    }
}

/// The confidence figures of one head (confidence = the probability of the predicted label, calibrated when the
/// model is).
public struct ConfidenceFigures: Codable, Sendable, Equatable {
    /// The head's temperature when the model is calibrated, nil when its confidences are the raw softmax.
    public var temperature: Double?
    /// Expected calibration error over 15 equal-width bins.
    public var ece: Double
    public var reliability: [ReliabilityBin]
    /// Precision against coverage, at most 200 points from the highest threshold down.
    public var precisionCoverage: [CoveragePoint]
    public var review: ReviewOnRows?

    enum CodingKeys: String, CodingKey {
        case temperature, ece, reliability, review
        case precisionCoverage = "precision_coverage"
    }

    /// The figures for predictions with `confidences` and whether each was `correct`.
    public static func compute(confidences: [Double], correct: [Bool], calibration: HeadCalibration?) -> ConfidenceFigures {
        var review: ReviewOnRows?
        if let r = calibration?.review {
            let at = PrecisionCoverage.at(threshold: r.threshold, confidences: confidences, correct: correct)
            review = ReviewOnRows(targetPrecision: r.targetPrecision, threshold: r.threshold, coverage: at.coverage, precision: at.precision)
        }
        return ConfidenceFigures(
            temperature: calibration?.temperature, ece: Reliability.ece(confidences: confidences, correct: correct),
            reliability: Reliability.bins(confidences: confidences, correct: correct),
            precisionCoverage: PrecisionCoverage.thin(PrecisionCoverage.curve(confidences: confidences, correct: correct)),
            review: review)
    }
}
