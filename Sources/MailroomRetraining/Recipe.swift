// Recipe: the champion's training settings (kind, encoder, hyper-parameters from its registry record) as a
// training request for the candidate, so that the two differ by their data only unless an override says otherwise.
import Foundation
import MailroomCore
import MailroomLinear
import MailroomRegistry
import MailroomTraining

enum Recipe {
    /// A request that trains `record.kind` with `record.parameters` (unknown or unreadable ones keep their defaults
    /// and are listed in the returned notes).
    static func request(from record: TrainingRecord, data: String, out: String, version: String) -> (TrainingRequest, [String]) {
        let kind = ModelKind(rawValue: record.kind) ?? .linear
        var request = TrainingRequest(kind: kind, dataPath: data, outputDirectory: out, version: version)
        request.clean = false  // the set's rows are cleaned already: closed cases as served, history by the cleaner
        request.encoder = record.encoder
        var notes: [String] = []
        let p = record.parameters
        func number<T: LosslessStringConvertible>(_ key: String, _ apply: (T) -> Void) {
            guard let text = p[key] else { return }
            if let v = T(text) { apply(v) } else { notes.append("parameter \(key)=\(text) not readable; default kept") }
        }
        // A hybrid records each part's settings under `linear.` and `transformer.`.
        func linear(_ prefix: String) {
            number(prefix + "seed") { (v: UInt64) in request.linear.seed = v }
            number(prefix + "epochs") { (v: Int) in request.linear.epochs = v }
            number(prefix + "buckets") { (v: Int) in request.linear.buckets = v }
            number(prefix + "l2") { (v: Float) in request.linear.l2 = v }
            number(prefix + "naive_bayes") { (v: Double) in request.linear.naiveBayesScaling = v }
            if let w = p[prefix + "class_weighting"].flatMap(ClassWeighting.init(rawValue:)) { request.linear.classWeighting = w }
            if p[prefix + "cv_folds"] != nil { request.linear.crossValidation = .standard }
        }
        func transformer(_ prefix: String) {
            number(prefix + "seed") { (v: UInt64) in request.transformer.seed = v }
            number(prefix + "epochs") { (v: Int) in request.transformer.epochs = v }
            number(prefix + "learning_rate") { (v: Float) in request.transformer.learningRate = v }
            number(prefix + "batch_size") { (v: Int) in request.transformer.batchSize = v }
            number(prefix + "max_length") { (v: Int) in request.transformer.maxLength = v }
            number(prefix + "freeze_encoder") { (v: Bool) in request.transformer.freezeEncoder = v }
            if let w = p[prefix + "class_weighting"].flatMap(ClassWeighting.init(rawValue:)) { request.transformer.classWeighting = w }
        }
        switch kind {
        case .linear: linear("")
        case .transformer: transformer("")
        case .hybrid: linear("linear."); transformer("transformer.")
        }
        // The fields the champion reads (none for a champion trained before fields existed).
        request.fields = (p["fields"] ?? "").split(separator: ",").map(String.init)
        number("field_selection") { (v: Bool) in request.fieldSelection = v }
        // Calibration and review targets are part of the recipe: the candidate's thresholds meet the same targets.
        number("calibration_holdout") { (v: Double) in request.calibration.holdout = v }
        number("calibration_refit") { (v: Bool) in request.calibration.refit = v }
        if let b = p["review_bound"] {
            if let bound = ReviewBound(rawValue: b) { request.calibration.reviewBound = bound } else { notes.append("review bound \(b) not readable; default kept") }
        }
        for spec in (p["review_targets"] ?? "").split(separator: ",") {
            let kv = spec.split(separator: "=", maxSplits: 1)
            if kv.count == 2, let t = Double(kv[1]) { request.calibration.reviewTargets[String(kv[0])] = t } else {
                notes.append("review target \(spec) not readable; dropped")
            }
        }
        if ModelKind(rawValue: record.kind) == nil { notes.append("unknown kind \(record.kind); trained linear") }
        return (request, notes)
    }
}
