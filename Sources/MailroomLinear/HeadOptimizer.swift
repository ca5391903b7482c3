// HeadOptimizer: trains one softmax head with sparse AdaGrad steps, lazy L2 and end-of-epoch weight averaging.
import Foundation
import MailroomCore

/// Training state of one head. Shapes: F = features, K = labels; every buffer is row-major (F, K) or (K).
///
/// Each step touches only the rows of the example's non-zero features (the L2 penalty too, so frequent
/// features are regularised more: the usual lazy scheme for sparse SGD).
final class HeadOptimizer {
    let spec: HeadSpec
    let featureCount: Int
    let classCount: Int
    /// (F, K) weights, (F, K) AdaGrad sums of squared gradients.
    private let w: UnsafeMutablePointer<Float>
    private let g2: UnsafeMutablePointer<Float>
    /// (K) bias and its AdaGrad sum.
    private var b: [Float]
    private var b2: [Float]
    /// Running sums of end-of-epoch snapshots, for averaging. (F, K) and (K)
    private var wSum: [Float] = []
    private var bSum: [Float] = []
    private var snapshots = 0
    /// Scratch (K): logits, then probabilities, then gradients.
    private var scratch: [Float]

    init(spec: HeadSpec, featureCount: Int) {
        self.spec = spec; self.featureCount = featureCount; classCount = spec.labels.count
        let n = featureCount * classCount
        w = .allocate(capacity: n); w.initialize(repeating: 0, count: n)
        g2 = .allocate(capacity: n); g2.initialize(repeating: 0, count: n)
        b = [Float](repeating: 0, count: classCount); b2 = b; scratch = b
    }

    deinit { w.deallocate(); g2.deallocate() }

    /// One AdaGrad step on example (indices, values) with true class `target` and loss weight `weight`.
    /// Returns the weighted cross-entropy before the step.
    func step(indices: UnsafeBufferPointer<Int32>, values: UnsafeBufferPointer<Float>, target: Int,
              weight: Float, learningRate: Float, l2: Float) -> Float {
        let k = classCount
        return scratch.withUnsafeMutableBufferPointer { z -> Float in
            // Forward: z = b + Σ_j x_j W[j, :]   (K)
            for c in 0..<k { z[c] = b[c] }
            for (j, x) in zip(indices, values) {
                let row = w + Int(j) * k
                for c in 0..<k { z[c] += x * row[c] }
            }
            var m = z[0]
            for c in 1..<k where z[c] > m { m = z[c] }
            var sum: Float = 0
            for c in 0..<k { z[c] = Foundation.exp(z[c] - m); sum += z[c] }
            let loss = -Foundation.log(max(z[target] / sum, 1e-30)) * weight
            // Gradient of the weighted cross-entropy w.r.t. z: weight · (p − onehot)   (K)
            for c in 0..<k { z[c] = weight * (z[c] / sum - (c == target ? 1 : 0)) }
            for c in 0..<k {
                let g = z[c]
                b2[c] += g * g
                b[c] -= learningRate * g / (b2[c].squareRoot() + 1e-8)
            }
            for (j, x) in zip(indices, values) {
                let row = w + Int(j) * k
                let acc = g2 + Int(j) * k
                for c in 0..<k {
                    let g = z[c] * x + l2 * row[c]
                    acc[c] += g * g
                    row[c] -= learningRate * g / (acc[c].squareRoot() + 1e-8)
                }
            }
            return loss
        }
    }

    /// Adds the current weights to the running average.
    func snapshot() {
        let n = featureCount * classCount
        if wSum.isEmpty { wSum = [Float](repeating: 0, count: n); bSum = [Float](repeating: 0, count: classCount) }
        wSum.withUnsafeMutableBufferPointer { s in for i in 0..<n { s[i] += w[i] } }
        for c in 0..<classCount { bSum[c] += b[c] }
        snapshots += 1
    }

    /// The current weights, or the average of the snapshots when `averaged` and any were taken.
    func weights(averaged: Bool) -> HeadWeights {
        let n = featureCount * classCount
        if averaged && snapshots > 0 {
            let s = 1 / Float(snapshots)
            return HeadWeights(spec: spec, weights: wSum.map { $0 * s }, bias: bSum.map { $0 * s })
        }
        return HeadWeights(spec: spec, weights: Array(UnsafeBufferPointer(start: w, count: n)), bias: b)
    }
}
