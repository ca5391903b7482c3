// NaiveBayesScaling: per-head supervised feature scales from naive-Bayes log-count ratios (the "NB" of NBSVM).
import Foundation

/// Scales each feature, for one head, by how strongly its presence separates some class from the rest.
///
/// For feature j and class c, with p_jc = 1 + (rows of class c containing j) and q_jc = 1 + (rows of other classes
/// containing j), and P_c = Σ_j p_jc, Q_c = Σ_j q_jc:
///
///     r_jc = log( (p_jc / P_c) / (q_jc / Q_c) )        s_j = ( max_c |r_jc| )^γ
///
/// The head is fitted on x_ij · s_j (the L2 penalty then weighs informative features less), and the scales are
/// folded back into the weights (W[j, :] · s_j), so the saved model reads raw tf-idf vectors like any other.
enum NaiveBayesScaling {
    /// Feature scales (F) for one head from its training rows. Shapes: `rows`/`targets` (N'), result (F).
    static func scales(x: SparseRows, rows: [Int], targets: [Int], classCount k: Int, featureCount f: Int,
                       exponent gamma: Double) -> [Float] {
        // present[j·K + c]: rows of class c in which feature j is non-zero. (F, K)
        var present = [Int32](repeating: 0, count: f * k)
        for (r, y) in zip(rows, targets) {
            for q in x.rowStart[r]..<x.rowStart[r + 1] where x.values[q] != 0 {
                present[Int(x.indices[q]) * k + y] += 1
            }
        }
        var total = [Double](repeating: 0, count: f)            // rows containing j, any class (F)
        var classSum = [Double](repeating: 0, count: k)          // Σ_j (1 + present[j, c]) (K)
        for j in 0..<f {
            for c in 0..<k {
                let n = Double(present[j * k + c])
                total[j] += n
                classSum[c] += 1 + n
            }
        }
        let grand = classSum.reduce(0, +)
        var s = [Float](repeating: 0, count: f)
        for j in 0..<f {
            var best = 0.0
            for c in 0..<k {
                let p = 1 + Double(present[j * k + c])
                // q_jc counts the other classes' rows: (total − own) plus one smoothing count per feature.
                let q = 1 + total[j] - Double(present[j * k + c])
                let otherSum = grand - classSum[c]
                let r = abs(Foundation.log((p / classSum[c]) / (q / otherSum)))
                if r > best { best = r }
            }
            s[j] = Float(Foundation.pow(best, gamma))
        }
        return s
    }

    /// `x` with every value multiplied by its feature's scale.
    static func scaled(_ x: SparseRows, by s: [Float]) -> SparseRows {
        var out = x
        for q in out.values.indices { out.values[q] *= s[Int(out.indices[q])] }
        return out
    }

    /// Weights fitted on scaled features, rewritten for raw ones: W[j, :] · s_j (the bias is unchanged).
    static func unscale(_ w: inout HeadWeights, by s: [Float]) {
        let k = w.spec.labels.count
        for j in s.indices { for c in 0..<k { w.weights[j * k + c] *= s[j] } }
    }
}
