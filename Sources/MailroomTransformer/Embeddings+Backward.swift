// Embeddings+Backward: the backward pass of ``Embeddings``' training forward (Embeddings+Training.swift): LayerNorm,
// then a scatter-add into the embedding tables.
//
// Key: N = tokens in the packed batch, C = hidden size.

extension Embeddings {
    /// Backward: adds into `grads`' tables (rows `ids`, `positions`, type row 0) and LayerNorm; `dsum (N, C)` is
    /// scratch.
    func backward(grads: Embeddings, dsum: FloatPtr, dout: UnsafePointer<Float>, sum: UnsafePointer<Float>,
                  mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, ids: UnsafePointer<Int32>,
                  positions: UnsafePointer<Int32>, N: Int) {
        dsum.update(repeating: 0, count: N * C)
        layerNormBackward(dsum, grads.layerNormWeight, grads.layerNormBias, dout, sum, layerNormWeight, mean, rstd,
                          N: N, C: C)
        for n in 0..<N {
            let d = dsum + n * C
            addInto(grads.wordEmbeddings + Int(ids[n]) * C, d, count: C)
            addInto(grads.positionEmbeddings + Int(positions[n]) * C, d, count: C)
            if let t = grads.tokenType0 { addInto(t, d, count: C) }
        }
    }
}
