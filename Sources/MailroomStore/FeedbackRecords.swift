// FeedbackRecords: the rows the feedback store returns: joined closed cases and per-version head scores.
import Foundation

/// A prediction joined with the outcome the CRM reported for the same email.
public struct ClosedCase: Sendable, Equatable {
    public var id: String
    public var modelVersion: String
    /// Head → predicted label.
    public var predicted: [String: String]
    /// Head → predicted label's confidence.
    public var confidence: [String: Double]
    /// Head → true label, from the outcome.
    public var truth: [String: String]
    public var resolution: String?
    public var closedAt: String?
    public var assignedQueue: String
    public var needsReview: Bool
    public var subject: String
    /// The cleaned text the model read.
    public var text: String
    public var language: String?
    /// When the store recorded the outcome (Unix ms): the case's time when `closedAt` is absent or unreadable.
    public var recordedAtUnixMs: Int64
    /// A shadow model's prediction (never routed): `assignedQueue` is empty and `needsReview` false.
    public var shadow: Bool

    public init(id: String, modelVersion: String, predicted: [String: String], confidence: [String: Double],
                truth: [String: String], resolution: String?, closedAt: String?, assignedQueue: String,
                needsReview: Bool, subject: String, text: String, language: String?, recordedAtUnixMs: Int64 = 0,
                shadow: Bool = false) {
        self.recordedAtUnixMs = recordedAtUnixMs; self.shadow = shadow
        self.id = id; self.modelVersion = modelVersion; self.predicted = predicted; self.confidence = confidence
        self.truth = truth; self.resolution = resolution; self.closedAt = closedAt
        self.assignedQueue = assignedQueue; self.needsReview = needsReview; self.subject = subject
        self.text = text; self.language = language
    }
}

/// How one model version scored on one head, over closed cases that have both a prediction and a
/// true label for that head.
public struct VersionHeadReport: Codable, Sendable, Equatable {
    public var modelVersion: String
    public var head: String
    public var cases: Int
    public var accuracy: Double
    public var macroF1: Double

    public init(modelVersion: String, head: String, cases: Int, accuracy: Double, macroF1: Double) {
        self.modelVersion = modelVersion; self.head = head; self.cases = cases
        self.accuracy = accuracy; self.macroF1 = macroF1
    }

    enum CodingKeys: String, CodingKey {
        case head, cases, accuracy
        case modelVersion = "model_version"
        case macroF1 = "macro_f1"
    }
}

/// Row counts of the store.
public struct FeedbackCounts: Sendable, Equatable {
    /// Emails with a recorded prediction.
    public var predictions: Int
    /// Emails with a recorded outcome.
    public var outcomes: Int
    /// Emails with both (the closed cases).
    public var closed: Int
    public init(predictions: Int, outcomes: Int, closed: Int) {
        self.predictions = predictions; self.outcomes = outcomes; self.closed = closed
    }
}

/// A split that depends only on the id, identical across runs, processes and machines.
public enum StableSplit {
    /// 64-bit FNV-1a of the id's UTF-8 bytes (Swift's `Hasher` is seeded per process, so unusable here).
    public static func hash(_ id: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    /// A number in [0, 1) fixed by the id: FNV-1a, then MurmurHash3's 64-bit finalizer, because FNV-1a
    /// alone barely moves its high bits for ids that differ only in the last characters (`mail-1`, `mail-2`).
    public static func unit(_ id: String) -> Double {
        var h = hash(id)
        h ^= h >> 33; h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33; h = h &* 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return Double(h >> 11) / Double(UInt64(1) << 53)  // top 53 bits: exact in a Double
    }

    /// `validation` when ``unit(_:)`` of the id is below `validationFraction`, else `train`.
    public static func split(id: String, validationFraction: Double) -> String {
        unit(id) < validationFraction ? "validation" : "train"
    }
}
