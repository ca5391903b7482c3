// ClassifierStage: the classifier process's logic: the only holder of a model. Batches what is waiting,
// runs the model once per batch, sends each prediction on to the router. When the registry names a candidate in
// shadow, it also runs the candidate on a sample of the emails: its predictions travel beside the served ones to the
// feedback store, and are never routed.
import Foundation
import Logging
import MailroomCore
import MailroomModels
import MailroomTransformer
import MailroomRegistry
import MailroomRuntime
import MailroomTransport

/// Where the classifier's model comes from.
public enum ModelSource: Sendable {
    /// A fixed model directory.
    case directory(String)
    /// The version a registry serves; promotions and rollbacks are picked up without a restart.
    case registry(String)
}

/// Where the classifier sends its predictions.
public enum ClassifierOutput: String, StagePort {
    /// Every router replica (`--push`).
    case router
}

/// Runs the model on batches of cleaned emails.
public final class ClassifierStage: StageHandler {
    public let stage = "classifier"
    public let maxBatch: Int
    private let source: ModelSource
    private let threads: Int
    /// What transformer models run at (nil: as each checkpoint says).
    private let precision: Precision?
    private let logger: Logger
    private var model: (any TextClassifier)?
    /// The registry version being served, and when the serving file was last checked.
    private var servedVersion: String?
    private var lastCheck = Date.distantPast
    /// The candidate in shadow, as the registry assigned it, and the version that last failed to load (not retried
    /// until the registry names another).
    private var shadow: (model: any TextClassifier, assignment: ShadowAssignment)?
    private var shadowLoadFailed: String?
    /// Cumulative figures for heartbeats (``StageFigures``).
    private var figures: [String: Double] = Dictionary(uniqueKeysWithValues: [
        StageFigures.modelSeconds, StageFigures.predictions, StageFigures.shadowSeconds, StageFigures.shadowPredictions,
        StageFigures.shadowSkipped, StageFigures.shadowFailed,
    ].map { ($0, 0) })
    /// Emails that failed on their own in the last batch (reported to the gateway by the runtime).
    private var failures: [(id: String, reason: String)] = []
    /// How often the registry's serving file is checked, in seconds.
    static let registryCheckIntervalSeconds = 1.0

    /// - Parameters:
    ///   - source: a model directory, or a registry whose served version is followed.
    ///   - maxBatch: most emails per model call (bounded in-flight work).
    ///   - precision: what a transformer's Linear layers run at (`--precision`; nil: as the checkpoint says).
    public init(source: ModelSource, maxBatch: Int = 32, threads: Int = 2, precision: Precision? = nil, logger: Logger) {
        self.source = source; self.maxBatch = maxBatch; self.threads = threads; self.precision = precision
        self.logger = logger
    }

    public var readiness: StageReadiness {
        var f = figures
        f[StageFigures.shadowSampleRate] = shadow?.assignment.sampleRate ?? 0
        return StageReadiness(ready: model != nil, modelVersion: model?.version, heads: model?.heads,
                              shadowVersion: shadow?.model.version, figures: f)
    }

    /// Loads and warms the model before the input socket binds, so no email waits on a cold model.
    public func prepare() throws {
        switch source {
        case .directory(let dir): model = try load(dir)
        case .registry(let dir):
            let registry = try ModelRegistry(directory: dir)
            guard let v = registry.serving().current else {
                throw ModelError.invalid("registry \(dir) serves no version yet: `mailroom registry promote VERSION --registry \(dir)`")
            }
            model = try load(registry.modelDirectory(of: v))
            servedVersion = v
            followShadow(registry)
        }
    }

    private func load(_ directory: String) throws -> any TextClassifier {
        let start = Date()
        let m = try ModelLoader.load(directory: directory, threads: threads, precision: precision)
        try m.warmUp()
        logger.info("model loaded", metadata: ["kind": "\(m.kind)", "model.version": "\(m.version)",
                                               "precision": "\(m.precision ?? "n/a")",
                                               "seconds": "\(String(format: "%.2f", Date().timeIntervalSince(start)))"])
        return m
    }

    public func idle() -> [StageOutput<ClassifierOutput>] { followRegistry(); return [] }

    /// Swaps in the registry's served version when it changed. Runs between batches on the stage's one thread,
    /// so every message is handled exactly once, by exactly one model, and carries that model's version.
    private func followRegistry() {
        guard case .registry(let dir) = source, Date().timeIntervalSince(lastCheck) >= Self.registryCheckIntervalSeconds else { return }
        lastCheck = Date()
        guard let registry = try? ModelRegistry(directory: dir) else { return }
        followShadow(registry)
        guard let v = registry.serving().current, v != servedVersion else { return }
        do {
            model = try load(registry.modelDirectory(of: v))
            logger.info("promotion picked up", metadata: ["model.version": "\(v)", "previous": "\(servedVersion ?? "-")"])
            servedVersion = v
        } catch {
            logger.error("could not load promoted version; still serving the previous one",
                         metadata: ["model.version": "\(v)", "error": "\(error)"])
            servedVersion = v  // do not retry a broken version every second; a new promotion retries
        }
    }

    /// Loads, re-rates or drops the shadow candidate as the registry's serving file says. A candidate that cannot be
    /// loaded is logged once and skipped: the served model goes on alone.
    private func followShadow(_ registry: ModelRegistry) {
        let wanted = registry.serving().shadow
        if let wanted, wanted.version == shadow?.assignment.version {
            shadow?.assignment = wanted  // a new sample rate
            return
        }
        if let current = shadow {
            logger.info("shadow stopped", metadata: ["model.version": "\(current.assignment.version)"])
            shadow = nil
        }
        guard let wanted else { shadowLoadFailed = nil; return }
        guard wanted.version != shadowLoadFailed else { return }
        do {
            shadow = (try load(registry.modelDirectory(of: wanted.version)), wanted)
            logger.info("shadow started", metadata: ["model.version": "\(wanted.version)", "sample_rate": "\(wanted.sampleRate)"])
        } catch {
            shadowLoadFailed = wanted.version
            logger.error("could not load the shadow candidate; serving without it",
                         metadata: ["model.version": "\(wanted.version)", "error": "\(error)"])
        }
    }

    /// The shadow's predictions for `emails` (nil for those not sampled, or when it is busy or fails), aligned with
    /// them. A full batch means emails are waiting: the shadow then steps aside so it never slows the served path.
    private func shadowPredictions(_ emails: [CleanedEmail], busy: Bool) -> [Prediction?] {
        var out = [Prediction?](repeating: nil, count: emails.count)
        guard let shadow else { return out }
        let picked = emails.indices.filter { StableSplit.unit(emails[$0].id) < shadow.assignment.sampleRate }
        guard !picked.isEmpty else { return out }
        if busy { figures[StageFigures.shadowSkipped, default: 0] += Double(picked.count); return out }
        let start = Date()
        do {
            let outputs = try shadow.model.classify(inputs: picked.map { emails[$0].input })
            for (i, output) in zip(picked, outputs) { out[i] = shadow.model.prediction(id: emails[i].id, output: output) }
            figures[StageFigures.shadowPredictions, default: 0] += Double(picked.count)
        } catch {
            figures[StageFigures.shadowFailed, default: 0] += Double(picked.count)
            logger.warning("the shadow candidate failed on a batch; the served predictions go on",
                           metadata: ["model.version": "\(shadow.assignment.version)", "batch.size": "\(picked.count)", "error": "\(error)"])
        }
        figures[StageFigures.shadowSeconds, default: 0] += Date().timeIntervalSince(start)
        return out
    }

    public func handle(_ batch: [Envelope]) -> [StageOutput<ClassifierOutput>] {
        followRegistry()
        guard let model else { preconditionFailure("classifier handled a batch before prepare(); this is a bug") }
        var emails: [(Envelope, CleanedEmail)] = []
        for env in batch {
            guard case .cleaned(let e) = env.payload else {
                logger.warning("unexpected payload", metadata: ["stage": "classifier", "type": "\(env.type)", "mail.id": "\(env.messageID)"])
                continue
            }
            emails.append((env, e))
        }
        guard !emails.isEmpty else { return [] }
        do {
            let start = Date()
            let outputs = try model.classify(inputs: emails.map { $0.1.input })
            figures[StageFigures.modelSeconds, default: 0] += Date().timeIntervalSince(start)
            figures[StageFigures.predictions, default: 0] += Double(emails.count)
            let shadows = shadowPredictions(emails.map(\.1), busy: batch.count >= maxBatch)
            return zip(zip(emails, outputs), shadows).map { pair, shadow in
                let (item, out) = pair
                // Evidence only where the email asked for it (it quotes the email: it goes to the caller, never a log).
                let top = min(Email.maxEvidence, max(0, item.1.evidence ?? 0))
                let prediction = top > 0 ? model.prediction(id: item.1.id, input: item.1.input, output: out, evidence: top)
                                         : model.prediction(id: item.1.id, output: out)
                return StageOutput(.router, item.0.forwarding(.classified(Classified(email: item.1, prediction: prediction,
                                                                                      shadow: shadow))))
            }
        } catch {
            guard emails.count > 1 else {
                logger.error("model failed on an email", metadata: ["mail.id": "\(emails[0].1.id.debugDescription)", "error": "\(error)"])
                failures.append((emails[0].1.id, "the model failed on this email: \(error)"))
                return []
            }
            // Isolate the email that fails: its batch-mates go on, it alone is reported.
            logger.warning("model failed on a batch; classifying its emails one by one",
                           metadata: ["batch.size": "\(emails.count)", "error": "\(error)"])
            return emails.flatMap { handle([$0.0]) }
        }
    }

    public func takeFailures() -> [(id: String, reason: String)] {
        defer { failures = [] }
        return failures
    }
}
