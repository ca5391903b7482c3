// HeadWeights: one multinomial logistic-regression head (weights, bias) and its logits on a sparse vector.
import Foundation
import MailroomCore

/// A trained softmax head. Shapes: F = features, K = labels.
struct HeadWeights: Sendable {
    var spec: HeadSpec
    /// Row-major (F, K): the K logit weights of feature j are `weights[j*K ..< (j+1)*K]`.
    var weights: [Float]
    /// (K)
    var bias: [Float]

    var classCount: Int { spec.labels.count }

    /// Logits (K) of one tf-idf vector.
    func logits(_ v: SparseVector) -> [Float] {
        let k = classCount
        var z = bias
        weights.withUnsafeBufferPointer { w in
            z.withUnsafeMutableBufferPointer { z in
                for (j, x) in zip(v.indices, v.values) {
                    let row = w.baseAddress! + Int(j) * k
                    for c in 0..<k { z[c] += x * row[c] }
                }
            }
        }
        return z
    }

    /// Index of the largest logit of one vector (the first on ties).
    func predict(_ v: SparseVector) -> Int {
        let z = logits(v)
        var best = 0
        for c in 1..<z.count where z[c] > z[best] { best = c }
        return best
    }
}
