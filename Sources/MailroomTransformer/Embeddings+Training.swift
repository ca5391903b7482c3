// Embeddings+Training: the training forward of ``Embeddings``, keeping the sum before LayerNorm and its statistics
// for the backward pass (Embeddings+Backward.swift).
//
// Key: N = tokens in the packed batch, C = hidden size.

extension Embeddings {
    /// `out (N, C) = LayerNorm(sum)` with `sum (N, C) = word[ids] + position[positions] + type[0]` and
    /// `mean`, `rstd` (N) kept.
    func forwardForTraining(_ out: FloatPtr, sum: FloatPtr, mean: FloatPtr, rstd: FloatPtr,
                            ids: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, N: Int) {
        for n in 0..<N {
            let row = sum + n * C
            row.update(from: wordEmbeddings + Int(ids[n]) * C, count: C)
            addInto(row, positionEmbeddings + Int(positions[n]) * C, count: C)
            if let t = tokenType0 { addInto(row, t, count: C) }
        }
        layerNormForward(out, mean, rstd, sum, layerNormWeight, layerNormBias, N: N, C: C, eps: eps)
    }
}
