// FeatureSpace: the buckets kept at training time (document frequency ≥ min_df), their idf, and tf-idf vectors.
import Foundation
import MailroomCore

/// A sparse row: parallel feature indices and values.
struct SparseVector {
    var indices: [Int32] = []
    var values: [Float] = []
}

/// Sparse rows stored back to back (CSR). Row r is `indices[rowStart[r]..<rowStart[r+1]]`.
struct SparseRows {
    var rowStart: [Int] = [0]
    var indices: [Int32] = []
    var values: [Float] = []
    var count: Int { rowStart.count - 1 }

    /// A copy of row `r`.
    func row(_ r: Int) -> SparseVector {
        let lo = rowStart[r], hi = rowStart[r + 1]
        return SparseVector(indices: Array(indices[lo..<hi]), values: Array(values[lo..<hi]))
    }

    mutating func append(_ v: SparseVector) {
        indices.append(contentsOf: v.indices); values.append(contentsOf: v.values)
        rowStart.append(indices.count)
    }
}

/// The compact feature space of a trained model: F kept buckets, each with its idf.
///
/// Shapes: `buckets` (F), `idf` (F), `index` (B = hashing buckets, −1 where not kept).
struct FeatureSpace: Sendable {
    let hasher: FeatureHasher
    /// Compact index → hashing bucket, ascending. (F)
    let buckets: [UInt32]
    /// Smooth idf per compact index: ln((1 + n) / (1 + df)) + 1. (F)
    let idf: [Float]
    /// Hashing bucket → compact index or −1. (B)
    private let index: [Int32]

    var featureCount: Int { buckets.count }

    /// The compact index of a hashing bucket, nil when training did not keep it.
    func compactIndex(_ bucket: UInt32) -> Int? {
        let j = index[Int(bucket)]
        return j < 0 ? nil : Int(j)
    }


    init(hasher: FeatureHasher, buckets: [UInt32], idf: [Float]) {
        precondition(buckets.count == idf.count, "FeatureSpace: buckets and idf differ in length; this is a bug")
        self.hasher = hasher; self.buckets = buckets; self.idf = idf
        var index = [Int32](repeating: -1, count: hasher.parameters.buckets)
        for (i, b) in buckets.enumerated() { index[Int(b)] = Int32(i) }
        self.index = index
    }

    /// Learns the kept buckets and their idf from the training texts' counts.
    static func fit(hasher: FeatureHasher, counts: [HashedCounts]) throws(LinearError) -> FeatureSpace {
        let b = hasher.parameters.buckets
        var df = [Int32](repeating: 0, count: b)
        for c in counts { for g in c.groups { for e in g { df[Int(e.bucket)] += 1 } } }
        let minDF = Int32(hasher.parameters.minDocumentFrequency)
        let n = Float(counts.count)
        var kept: [UInt32] = []
        var idf: [Float] = []
        for i in 0..<b where df[i] >= minDF {
            kept.append(UInt32(i))
            idf.append(Foundation.log((1 + n) / (1 + Float(df[i]))) + 1)
        }
        guard !kept.isEmpty else { throw .noFeatures(minDocumentFrequency: Int(minDF)) }
        return FeatureSpace(hasher: hasher, buckets: kept, idf: idf)
    }

    /// The tf-idf vector of one text: sublinear tf × idf, each group L2-normalised (the first-line group
    /// scaled to ``FeatureParameters/firstLineWeight``), groups added.
    func vector(_ counts: HashedCounts) -> SparseVector {
        var v = SparseVector()
        let n = counts.word.count + counts.char.count + counts.firstLine.count + counts.fields.count
        v.indices.reserveCapacity(n)
        v.values.reserveCapacity(n)
        let weights: [Float] = [1, 1, Float(hasher.parameters.firstLineWeight), Float(hasher.parameters.fieldWeight)]
        for (group, weight) in zip(counts.groups, weights) {
            let start = v.values.count
            var norm: Float = 0
            for e in group {
                let j = index[Int(e.bucket)]
                if j < 0 { continue }
                let tf = e.count > 0 ? 1 + Foundation.log(e.count) : -(1 + Foundation.log(-e.count))
                let x = tf * idf[Int(j)]
                v.indices.append(j); v.values.append(x); norm += x * x
            }
            if norm > 0 {
                let scale = weight / norm.squareRoot()
                for k in start..<v.values.count { v.values[k] *= scale }
            }
        }
        return v
    }

    func vector(_ input: ModelInput) -> SparseVector { vector(hasher.counts(input)) }
}
