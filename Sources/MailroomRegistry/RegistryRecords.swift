// RegistryRecords: what the model registry keeps per version (training provenance, metrics, status, decisions)
// and which version is served.
import Foundation

/// Provenance `mailroom train` writes into every model directory as `training.json`.
public struct TrainingRecord: Codable, Sendable, Equatable {
    public var kind: String
    public var dataPath: String
    public var dataSHA256: String
    public var dataRows: Int
    public var trainRows: Int
    public var validationRows: Int
    /// The encoder a transformer started from (nil for linear models).
    public var encoder: String?
    public var parameters: [String: String]
    public var startedAt: String
    public var finishedAt: String

    public init(kind: String, dataPath: String, dataSHA256: String, dataRows: Int, trainRows: Int, validationRows: Int,
                encoder: String?, parameters: [String: String], startedAt: String, finishedAt: String) {
        self.kind = kind; self.dataPath = dataPath; self.dataSHA256 = dataSHA256; self.dataRows = dataRows
        self.trainRows = trainRows; self.validationRows = validationRows; self.encoder = encoder
        self.parameters = parameters; self.startedAt = startedAt; self.finishedAt = finishedAt
    }

    public static let fileName = "training.json"
}

/// A version's review state.
public enum VersionStatus: String, Codable, Sendable {
    case pending, approved, rejected
}

/// One person's decision about a version, or a serving change.
public struct Decision: Codable, Sendable, Equatable {
    public var action: String   // register, approve, reject, promote, rollback
    public var by: String
    public var reason: String?
    public var at: String
}

/// Validation figures of one head, copied from the model's validation report.
public struct HeadFigures: Codable, Sendable, Equatable {
    public var accuracy: Double
    public var macroF1: Double
    public var weightedF1: Double?
    public init(accuracy: Double, macroF1: Double, weightedF1: Double?) {
        self.accuracy = accuracy; self.macroF1 = macroF1; self.weightedF1 = weightedF1
    }
}

/// Everything the registry knows about one model version.
public struct VersionRecord: Codable, Sendable, Equatable {
    public var version: String
    public var kind: String
    public var status: VersionStatus
    public var registeredAt: String
    public var training: TrainingRecord?
    /// Head name → validation figures (empty when the model had no validation report).
    public var metrics: [String: HeadFigures]
    public var decisions: [Decision]
}

/// Which version the classifier serves, the ones served before it (most recent last), and the candidate it runs in
/// shadow beside it, if any.
public struct ServingState: Codable, Sendable, Equatable {
    public var current: String?
    public var history: [String]
    public var changedAt: String?
    /// At most one candidate in shadow (`mailroom registry shadow VERSION`); nil when none.
    public var shadow: ShadowAssignment?
    public init(current: String?, history: [String], changedAt: String?, shadow: ShadowAssignment? = nil) {
        self.current = current; self.history = history; self.changedAt = changedAt; self.shadow = shadow
    }
    public static let fileName = "serving.json"
}

/// A candidate the classifier runs beside the served model: its predictions are stored, never routed.
public struct ShadowAssignment: Codable, Sendable, Equatable {
    public var version: String
    /// Share of emails the candidate also classifies, in (0, 1]; chosen by a hash of the email id, so a re-sent
    /// email gets the same choice.
    public var sampleRate: Double
    public var since: String
    public var by: String
    public init(version: String, sampleRate: Double, since: String, by: String) {
        self.version = version; self.sampleRate = sampleRate; self.since = since; self.by = by
    }
}

/// Errors from the registry, each saying what to do instead.
public enum RegistryError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case notAModel(String)
    case alreadyRegistered(String)
    case unknownVersion(String, known: [String])
    case notApproved(String, status: VersionStatus)
    case alreadyDecided(String, status: VersionStatus)
    case nothingToRollBack
    case missingName(String)
    case shadowBusy(String, requested: String)
    case noShadow
    case cannotShadow(String, reason: String)
    case badSampleRate(Double)

    public var description: String {
        switch self {
        case .unreadable(let p): "cannot read \(p)"
        case .notAModel(let p): "\(p) is not a model directory (no config.json with a mailroom object); train one with `mailroom train`"
        case .alreadyRegistered(let v): "version \(v) is already registered; train with a new --model-version"
        case .unknownVersion(let v, let known):
            "no version \(v) in the registry; known: \(known.isEmpty ? "none (register one with `mailroom registry register`)" : known.joined(separator: ", "))"
        case .notApproved(let v, let s): "version \(v) is \(s.rawValue): only approved versions can be promoted (`mailroom registry approve \(v) --by NAME`)"
        case .alreadyDecided(let v, let s): "version \(v) is already \(s.rawValue)"
        case .nothingToRollBack: "no earlier served version to roll back to"
        case .missingName(let what): "\(what) needs --by NAME (who decided) so the registry can record it"
        case .shadowBusy(let current, let requested):
            "version \(current) is already in shadow (at most one at a time); stop it with `mailroom registry shadow --stop` before shadowing \(requested)"
        case .noShadow: "no version is in shadow"
        case .cannotShadow(let v, let reason): "version \(v) cannot run in shadow: \(reason)"
        case .badSampleRate(let r): "--sample \(r) is outside (0, 1]: give the share of emails the candidate also classifies, e.g. 0.25"
        }
    }
}
