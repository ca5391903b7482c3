// DecisionTuning: adjusts a head's biases so its argmax decisions maximise macro-F1, using out-of-fold logits on
// the training rows only (k-fold), never validation rows.
import Foundation
import MailroomCore

/// How a head's decision rule is tuned for macro-F1 after fitting (see ``LinearTrainingOptions/decisionTuning``).
public enum DecisionTuning: String, Codable, Sendable {
    /// Plain argmax of the fitted logits.
    case none
    /// One scale α per head on a prior correction: logit_c + α · (−log π_c), π_c the class's share of the training
    /// rows. α > 0 favours rare classes (macro-F1 weighs every class alike), α < 0 common ones. One number per head,
    /// chosen on out-of-fold logits: hard to over-fit even with tiny classes.
    case priorScale
}

/// What decision tuning chose for a head.
public struct DecisionChoice: Sendable, Equatable {
    /// The prior-correction scale α (0: argmax unchanged).
    public var scale: Float
    /// Out-of-fold macro-F1 with α = 0 and with the chosen α.
    public var outOfFoldMacroF1: (plain: Double, tuned: Double)

    public static func == (a: DecisionChoice, b: DecisionChoice) -> Bool {
        a.scale == b.scale && a.outOfFoldMacroF1 == b.outOfFoldMacroF1
    }
}

enum DecisionTuner {
    /// Scales tried for α, in steps of 0.1.
    static let scales: [Float] = (-10...15).map { Float($0) / 10 }

    /// Out-of-fold logits (N, K) for `rows` of `x`: each stratified fold is predicted by a head fitted on the others
    /// with the same penalty and class weighting.
    static func outOfFoldLogits(spec: HeadSpec, featureCount: Int, x: SparseRows, rows: [Int], targets: [Int],
                                l2: Float, k: Int, options: LinearTrainingOptions) -> [[Float]] {
        let classes = spec.labels.count
        let fold = PenaltySelection.folds(targets: targets, k: k, seed: options.seed ^ 0xDEC1_5104)
        var logits = [[Float]](repeating: [], count: rows.count)
        for f in 0..<k {
            let trainIdx = rows.indices.filter { fold[$0] != f }
            let t = trainIdx.map { Int32(targets[$0]) }
            let head = LBFGSHead(spec: spec, featureCount: featureCount, rows: trainIdx.map { rows[$0] },
                                 targets: trainIdx.map { targets[$0] },
                                 classWeights: options.classWeighting.weights(classIndices: t.map(Int.init),
                                                                              classCount: classes),
                                 l2: l2, threads: options.threads)
            let theta = head.fit(x: x, iterations: options.epochs, start: nil) { _, _ in }
            let w = head.weights(theta)
            for i in rows.indices where fold[i] == f {
                logits[i] = w.logits(x.row(rows[i]))
            }
        }
        return logits
    }

    /// The prior correction −log π_c (K) from the training targets; classes absent from them get the largest
    /// present correction.
    static func priorCorrection(targets: [Int], classCount: Int) -> [Float] {
        var counts = [Int](repeating: 0, count: classCount)
        for t in targets { counts[t] += 1 }
        let n = Float(max(targets.count, 1))
        let present = counts.filter { $0 > 0 }.map { -log(Float($0) / n) }
        let fallback = present.max() ?? 0
        return counts.map { $0 > 0 ? -log(Float($0) / n) : fallback }
    }

    /// Chooses α from ``scales`` by out-of-fold macro-F1 (ties: the α closest to 0).
    static func chooseScale(logits: [[Float]], targets: [Int], correction: [Float]) -> DecisionChoice {
        let classes = correction.count
        func score(_ alpha: Float) -> Double {
            let predicted = logits.map { z -> Int in
                var best = 0, bestValue = -Float.infinity
                for c in 0..<classes {
                    let v = z[c] + alpha * correction[c]
                    if v > bestValue { bestValue = v; best = c }
                }
                return best
            }
            return PenaltySelection.macroF1(truth: targets, predicted: predicted, classCount: classes)
        }
        let plain = score(0)
        var best: (alpha: Float, f1: Double) = (0, plain)
        for alpha in scales where alpha != 0 {
            let s = score(alpha)
            if s > best.f1 + 1e-12 || (abs(s - best.f1) <= 1e-12 && abs(alpha) < abs(best.alpha)) { best = (alpha, s) }
        }
        return DecisionChoice(scale: best.alpha, outOfFoldMacroF1: (plain, best.f1))
    }
}
