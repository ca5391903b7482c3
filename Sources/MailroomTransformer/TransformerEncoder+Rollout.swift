// TransformerEncoder+Rollout: attention rollout (Abnar & Zuidema, 2020) for one sequence: how much of the first
// token's final representation flows from each input token, through every layer's attention and residual path.
import Foundation

extension TransformerEncoder {
    /// The rollout of `ids` (one sequence, `[CLS]` first): per token its share (T, summing to 1) of the first
    /// token's last-layer attention, each layer's head-averaged attention A mixed with the residual path as
    /// 0.5 · A + 0.5 · I and multiplied through the layers. One forward pass of the sequence; not thread-safe.
    public func attentionRollout(_ ids: [Int]) throws -> [Float] {
        let T = ids.count, L = layers.count, NH = config.numHeads
        guard T > 0 else { return [] }
        // record (L, NH, T, T); the last layer fills only its first-token rows (NH, T)
        let record = UnsafeMutablePointer<Float>.allocate(capacity: L * NH * T * T)
        record.initialize(repeating: 0, count: L * NH * T * T)
        defer { record.deallocate() }
        _ = try forward([ids], attentionRecord: record)
        // r (T) = 0.5 · mean_h a_L[h] + 0.5 · e_0: the last layer's first-token row
        let last = record + (L - 1) * NH * T * T
        var r = [Double](repeating: 0, count: T)
        for h in 0..<NH { for j in 0..<T { r[j] += Double(last[h * T + j]) / Double(NH) } }
        for j in 0..<T { r[j] *= 0.5 }
        r[0] += 0.5
        // r (T) ← r (T) · Â_l (T, T), Â_l = 0.5 · mean_h A_l[h] + 0.5 · I, for l = L−2 … 0
        for l in stride(from: L - 2, through: 0, by: -1) {
            let layer = record + l * NH * T * T
            var next = r.map { 0.5 * $0 }
            for i in 0..<T where r[i] != 0 {
                let w = 0.5 * r[i] / Double(NH)
                for h in 0..<NH {
                    let row = layer + h * T * T + i * T
                    for j in 0..<T { next[j] += w * Double(row[j]) }
                }
            }
            r = next
        }
        return r.map(Float.init)
    }
}
