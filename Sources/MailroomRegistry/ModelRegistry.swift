// ModelRegistry: a directory-backed store of model versions with review (approve/reject) and serving
// (promote/rollback). Layout:
//   REGISTRY/versions/<version>/model/    the model directory, copied at registration
//   REGISTRY/versions/<version>/record.json
//   REGISTRY/serving.json                 {"current": version, "history": [...]}; the classifier watches it
import Foundation
import MailroomCore

public final class ModelRegistry {
    public let directory: String
    private let fm = FileManager.default

    /// Opens (creating if needed) the registry at `directory`.
    public init(directory: String) throws {
        self.directory = directory
        try fm.createDirectory(atPath: versionsDirectory, withIntermediateDirectories: true)
    }

    var versionsDirectory: String { (directory as NSString).appendingPathComponent("versions") }
    var servingFile: String { (directory as NSString).appendingPathComponent(ServingState.fileName) }
    func versionDirectory(_ v: String) -> String { (versionsDirectory as NSString).appendingPathComponent(v) }
    func recordFile(_ v: String) -> String { (versionDirectory(v) as NSString).appendingPathComponent("record.json") }

    /// The model directory of a version (what the classifier loads).
    public func modelDirectory(of version: String) -> String { (versionDirectory(version) as NSString).appendingPathComponent("model") }

    /// Copies a trained model directory into the registry as a `pending` version.
    @discardableResult
    public func register(modelDirectory: String, by: String = NSUserName()) throws -> VersionRecord {
        guard let manifest = try? ModelManifest.read(directory: modelDirectory) else { throw RegistryError.notAModel(modelDirectory) }
        let v = manifest.version
        guard !fm.fileExists(atPath: recordFile(v)) else { throw RegistryError.alreadyRegistered(v) }
        let training = (try? Data(contentsOf: URL(fileURLWithPath: (modelDirectory as NSString).appendingPathComponent(TrainingRecord.fileName))))
            .flatMap { try? JSONDecoder().decode(TrainingRecord.self, from: $0) }
        let staging = versionDirectory(v) + ".staging"
        try? fm.removeItem(atPath: staging)
        try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try fm.copyItem(atPath: modelDirectory, toPath: (staging as NSString).appendingPathComponent("model"))
        let record = VersionRecord(version: v, kind: manifest.kind, status: .pending, registeredAt: Self.now(),
                                   training: training, metrics: Self.figures(modelDirectory: modelDirectory),
                                   decisions: [Decision(action: "register", by: by, reason: nil, at: Self.now())])
        try write(record, to: (staging as NSString).appendingPathComponent("record.json"))
        try fm.moveItem(atPath: staging, toPath: versionDirectory(v))
        return record
    }

    /// Every registered version, oldest first.
    public func list() throws -> [VersionRecord] {
        let names = (try? fm.contentsOfDirectory(atPath: versionsDirectory)) ?? []
        return names.filter { !$0.hasSuffix(".staging") }.compactMap { try? record($0) }.sorted { $0.registeredAt < $1.registeredAt }
    }

    public func record(_ version: String) throws -> VersionRecord {
        guard let data = fm.contents(atPath: recordFile(version)) else {
            throw RegistryError.unknownVersion(version, known: ((try? fm.contentsOfDirectory(atPath: versionsDirectory)) ?? []).sorted())
        }
        return try JSONDecoder().decode(VersionRecord.self, from: data)
    }

    public func approve(_ version: String, by: String, reason: String?) throws -> VersionRecord {
        try decide(version, status: .approved, action: "approve", by: by, reason: reason)
    }

    /// Rejects a pending version; a rejected version in shadow stops running there.
    public func reject(_ version: String, by: String, reason: String?) throws -> VersionRecord {
        let r = try decide(version, status: .rejected, action: "reject", by: by, reason: reason)
        var s = serving()
        if s.shadow?.version == version { s.shadow = nil; try write(s, to: servingFile) }
        return r
    }

    /// Makes an approved version the one served. The classifier picks it up without a restart.
    public func promote(_ version: String, by: String) throws -> ServingState {
        var r = try record(version)
        guard r.status == .approved else { throw RegistryError.notApproved(version, status: r.status) }
        var s = serving()
        if let c = s.current, c != version { s.history.append(c) }
        s.current = version
        s.changedAt = Self.now()
        if s.shadow?.version == version { s.shadow = nil }  // served now: nothing left to shadow
        r.decisions.append(Decision(action: "promote", by: by, reason: nil, at: Self.now()))
        try write(r, to: recordFile(version))
        try write(s, to: servingFile)
        return s
    }

    /// Serves the previously served version again.
    public func rollback(by: String, reason: String?) throws -> ServingState {
        var s = serving()
        guard let previous = s.history.popLast() else { throw RegistryError.nothingToRollBack }
        var r = try record(previous)
        s.current = previous
        s.changedAt = Self.now()
        r.decisions.append(Decision(action: "rollback", by: by, reason: reason, at: Self.now()))
        try write(r, to: recordFile(previous))
        try write(s, to: servingFile)
        return s
    }

    /// Runs `version` in shadow beside the served model on `sampleRate` of the emails (both predictions stored,
    /// only the served one routed). Running classifiers start within about a second. Asking again for the version
    /// already in shadow changes its sample rate.
    /// - Throws: ``RegistryError/shadowBusy(_:requested:)`` when another version is in shadow (at most one);
    ///   ``RegistryError/cannotShadow(_:reason:)`` for the served version or a rejected one.
    public func startShadow(_ version: String, sampleRate: Double = 1, by: String) throws -> ServingState {
        guard sampleRate > 0, sampleRate <= 1 else { throw RegistryError.badSampleRate(sampleRate) }
        guard !by.isEmpty else { throw RegistryError.missingName("shadow") }
        var r = try record(version)
        var s = serving()
        if let current = s.shadow, current.version != version { throw RegistryError.shadowBusy(current.version, requested: version) }
        guard s.current != version else { throw RegistryError.cannotShadow(version, reason: "it is the served version") }
        guard r.status != .rejected else { throw RegistryError.cannotShadow(version, reason: "it was rejected") }
        s.shadow = ShadowAssignment(version: version, sampleRate: sampleRate, since: s.shadow?.since ?? Self.now(), by: by)
        r.decisions.append(Decision(action: "shadow", by: by, reason: "sample rate \(sampleRate)", at: Self.now()))
        try write(r, to: recordFile(version))
        try write(s, to: servingFile)
        return s
    }

    /// Stops the shadow; the classifier unloads the candidate.
    /// - Throws: ``RegistryError/noShadow`` when none runs.
    public func stopShadow(by: String) throws -> (stopped: ShadowAssignment, state: ServingState) {
        var s = serving()
        guard let shadow = s.shadow else { throw RegistryError.noShadow }
        s.shadow = nil
        if var r = try? record(shadow.version) {
            r.decisions.append(Decision(action: "shadow-stop", by: by, reason: nil, at: Self.now()))
            try write(r, to: recordFile(shadow.version))
        }
        try write(s, to: servingFile)
        return (shadow, s)
    }

    /// The serving state (no version served yet gives `current == nil`).
    public func serving() -> ServingState {
        guard let data = fm.contents(atPath: servingFile), let s = try? JSONDecoder().decode(ServingState.self, from: data) else {
            return ServingState(current: nil, history: [], changedAt: nil)
        }
        return s
    }

    // MARK: internals

    private func decide(_ version: String, status: VersionStatus, action: String, by: String, reason: String?) throws -> VersionRecord {
        guard !by.isEmpty else { throw RegistryError.missingName(action) }
        var r = try record(version)
        guard r.status == .pending else { throw RegistryError.alreadyDecided(version, status: r.status) }
        r.status = status
        r.decisions.append(Decision(action: action, by: by, reason: reason, at: Self.now()))
        try write(r, to: recordFile(version))
        return r
    }

    private func write<T: Encodable>(_ value: T, to path: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try e.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads per-head accuracy and macro-F1 from the model's `validation/metrics.json`, whatever wrote it.
    static func figures(modelDirectory: String) -> [String: HeadFigures] {
        let path = ((modelDirectory as NSString).appendingPathComponent("validation") as NSString).appendingPathComponent("metrics.json")
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let heads = json["heads"] as? [[String: Any]] else { return [:] }
        var out: [String: HeadFigures] = [:]
        for h in heads {
            guard let name = h["name"] as? String else { continue }
            let m = (h["metrics"] as? [String: Any]) ?? h
            func number(_ keys: [String]) -> Double? {
                for k in keys { if let v = m[k] as? Double { return v }; if let v = m[k] as? NSNumber { return v.doubleValue } }
                return nil
            }
            let macro = (m["macro"] as? [String: Any])?["f1"] as? Double
            let weighted = (m["weighted"] as? [String: Any])?["f1"] as? Double
            if let acc = number(["accuracy"]), let f1 = macro ?? number(["macroF1", "macro_f1"]) {
                out[name] = HeadFigures(accuracy: acc, macroF1: f1, weightedF1: weighted ?? number(["weightedF1", "weighted_f1"]))
            }
        }
        return out
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
