// KindSelection: `mailroom train --kind auto`: k-fold cross-validation on the training rows (never the validation
// rows) scores the linear, transformer and hybrid kinds per head, and the kind of highest mean macro-F1 is trained.
import Foundation
import MailroomCore
import MailroomEvaluation
import MailroomLinear
import MailroomModels

/// How `--kind auto` cross-validates.
public struct KindSelectionOptions: Sendable, Equatable {
    /// Folds of the training rows (by a hash of the id); each kind is trained on all folds but one and scored on it.
    public var folds = 3
    /// At most this many training rows take part (a stable sample by id), bounding the cost of the folds'
    /// transformer runs; nil: all.
    public var maxRows: Int? = nil
    /// The kinds compared. The hybrid costs no training of its own: it blends the folds' linear and transformer
    /// predictions, with weights chosen on the other folds' predictions.
    public var kinds: [ModelKind] = [.linear, .transformer, .hybrid]
    /// A kind is chosen over a cheaper one (linear, then transformer, then hybrid) only when its mean macro-F1 is
    /// higher by more than this.
    public var tolerance = 0.0
    public init() {}
}

/// One kind's cross-validated figures.
public struct KindScore: Sendable, Equatable {
    public var kind: ModelKind
    /// Head → macro-F1 on each fold.
    public var folds: [String: [Double]]
    /// Head → mean over folds.
    public var heads: [String: Double] { folds.mapValues { $0.reduce(0, +) / Double(max(1, $0.count)) } }
    /// Mean over heads of the per-head means.
    public var mean: Double { heads.isEmpty ? 0 : heads.values.reduce(0, +) / Double(heads.count) }
    /// Head → standard deviation over folds.
    public var spread: [String: Double] {
        folds.mapValues { v in
            let m = v.reduce(0, +) / Double(max(1, v.count))
            return v.count > 1 ? (v.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
        }
    }
}

/// What `--kind auto` found and chose.
public struct KindChoice: Sendable, Equatable {
    public var chosen: ModelKind
    public var scores: [KindScore]
    public var rows: Int
    public var folds: Int
    /// Why, in a sentence (recorded in training.json).
    public var reason: String

    /// training.json parameters: `auto.choice`, `auto.reason`, and per kind its mean and per-head figures.
    public var parameters: [String: String] {
        var p = ["auto.choice": chosen.rawValue, "auto.reason": reason, "auto.folds": "\(folds)", "auto.rows": "\(rows)"]
        for s in scores {
            let heads = s.heads.keys.sorted().map { "\($0) " + String(format: "%.4f ± %.4f", s.heads[$0]!, s.spread[$0]!) }
            p["auto.\(s.kind.rawValue)"] = String(format: "mean macro-F1 %.4f (", s.mean) + heads.joined(separator: ", ") + ")"
        }
        return p
    }
}

/// Errors of `--kind auto`.
public enum KindSelectionError: Error, CustomStringConvertible, Equatable {
    case tooFewRows(rows: Int, folds: Int)
    case badFolds(Int)
    case hybridNeedsBoth

    public var description: String {
        switch self {
        case .tooFewRows(let n, let k): "--kind auto: \(n) training rows cannot make \(k) folds of at least 10 rows each; add rows or lower --auto-folds"
        case .badFolds(let k): "--auto-folds \(k): cross-validation needs 2 folds or more"
        case .hybridNeedsBoth: "--kind auto: comparing the hybrid needs the linear and transformer kinds too"
        }
    }
}

public enum KindSelection {
    /// The cheaper kind first: what a tie goes to.
    static let cost: [ModelKind] = [.linear, .transformer, .hybrid]

    /// Cross-validates `options.kinds` on the training rows of `request.dataPath` (cleaned as `request.clean` says),
    /// each kind with `request`'s settings, uncalibrated. Temporary models go to `request.outputDirectory + ".auto"`.
    public static func choose(_ request: TrainingRequest, options: KindSelectionOptions = KindSelectionOptions(),
                              progress: (TrainingEvent) -> Void = { _ in }) throws -> KindChoice {
        guard options.folds >= 2 else { throw KindSelectionError.badFolds(options.folds) }
        if options.kinds.contains(.hybrid) && !(options.kinds.contains(.linear) && options.kinds.contains(.transformer)) {
            throw KindSelectionError.hybridNeedsBoth
        }
        var rows = try ModelTraining.rows(of: request).filter { !$0.isValidation }
        if let cap = options.maxRows, rows.count > cap {
            rows = Array(rows.sorted { StableSplit.unit($0.id + "#auto") < StableSplit.unit($1.id + "#auto") }.prefix(cap))
        }
        let fold = rows.map { min(options.folds - 1, Int(StableSplit.unit($0.id + "#auto-fold") * Double(options.folds))) }
        for k in 0..<options.folds where fold.filter({ $0 == k }).count < 10 {
            throw KindSelectionError.tooFewRows(rows: rows.count, folds: options.folds)
        }
        // The label space of every head: all labels of the sampled rows, so folds' models line up.
        let heads = Set(rows.flatMap(\.labels.keys)).sorted().map { name in
            HeadSpec(name: name, labels: Set(rows.compactMap { $0.labels[name] }).sorted())
        }
        let work = request.outputDirectory + ".auto"
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }

        // Per fold and head: each part's logits on the fold's rows (from models trained on the other folds).
        var perFold: [[(linear: [[Float]], transformer: [[Float]], truth: [Int])]] = []
        let trainsTransformer = options.kinds.contains(.transformer)
        for k in 0..<options.folds {
            let held = rows.indices.filter { fold[$0] == k }.map { rows[$0] }
            let trainPath = (work as NSString).appendingPathComponent("fold-\(k).jsonl")
            try JSONL.write(rows.indices.filter { fold[$0] != k }.map { rows[$0] }, to: trainPath)
            func trainPart(_ kind: ModelKind) throws -> any TextClassifier {
                progress(.selecting(fold: k + 1, folds: options.folds, kind: kind))
                var r = request
                r.kind = kind; r.dataPath = trainPath; r.clean = false
                r.outputDirectory = (work as NSString).appendingPathComponent("fold-\(k)-\(kind.rawValue)")
                r.calibration = CalibrationOptions()   // uncalibrated: argmax is what is scored
                r.extraParameters = [:]
                _ = try ModelTraining.run(r) { event in
                    switch event {
                    case .linear, .transformer, .encoder, .transformerFinished: progress(event)
                    default: break
                    }
                }
                return try ModelLoader.load(directory: r.outputDirectory, threads: request.transformer.threads, calibrated: false)
            }
            let linear = try trainPart(.linear)
            let transformer = trainsTransformer ? try trainPart(.transformer) : linear
            let pair = try HybridClassifier(version: "auto", heads: heads, linear: linear, transformer: transformer,
                                            blend: .even(heads: heads))
            perFold.append(try pair.heldOutLogits(rows: held))
        }

        func macroF1(_ logits: [[Float]], _ truth: [Int], classes: Int) -> Double {
            let predicted = logits.map { z in z.indices.reduce(0) { z[$1] > z[$0] ? $1 : $0 } }
            return ClassificationMetrics.macroF1(truth: truth, predicted: predicted, classCount: classes)
        }
        var scores: [KindScore] = []
        for kind in cost where options.kinds.contains(kind) {
            var folds: [String: [Double]] = [:]
            for (h, head) in heads.enumerated() {
                folds[head.name] = (0..<options.folds).map { k in
                    let f = perFold[k][h]
                    switch kind {
                    case .linear: return macroF1(f.linear, f.truth, classes: head.labels.count)
                    case .transformer: return macroF1(f.transformer, f.truth, classes: head.labels.count)
                    case .hybrid:
                        // Weights from the other folds' predictions, scored on this fold: no row picks its own blend.
                        let others = (0..<options.folds).filter { $0 != k }.map { perFold[$0][h] }
                        let blend = HeadBlend.fit(linear: others.flatMap(\.linear), transformer: others.flatMap(\.transformer),
                                                  truth: others.flatMap(\.truth), classCount: head.labels.count)
                        return macroF1(zip(f.linear, f.transformer).map { blend.combine(linear: $0, transformer: $1) },
                                       f.truth, classes: head.labels.count)
                    }
                }
            }
            scores.append(KindScore(kind: kind, folds: folds))
        }
        var best = scores[0]
        for s in scores.dropFirst() where s.mean > best.mean + options.tolerance { best = s }
        let ranking = scores.sorted { $0.mean > $1.mean }.map { "\($0.kind.rawValue) " + String(format: "%.4f", $0.mean) }
        let reason = "highest mean macro-F1 over \(options.folds)-fold cross-validation on \(rows.count) training rows (mean over heads: "
            + ranking.joined(separator: ", ") + ")"
            + (options.tolerance > 0 ? String(format: "; a costlier kind must lead by more than %.4f", options.tolerance) : "")
        let choice = KindChoice(chosen: best.kind, scores: scores, rows: rows.count, folds: options.folds, reason: reason)
        progress(.selected(choice))
        return choice
    }
}

extension KindSelection {
    /// `--kind auto`: ``choose(_:options:progress:)``, then a normal run of the chosen kind (calibrated as `request`
    /// says), whose training.json records the choice and every kind's figures under `auto.*`.
    public static func train(_ request: TrainingRequest, options: KindSelectionOptions = KindSelectionOptions(),
                             progress: (TrainingEvent) -> Void = { _ in }) throws -> (choice: KindChoice, outcome: TrainingOutcome) {
        let choice = try choose(request, options: options, progress: progress)
        var r = request
        r.kind = choice.chosen
        r.extraParameters.merge(choice.parameters) { $1 }
        return (choice, try ModelTraining.run(r, progress: progress))
    }
}
