// Embeddings: token + position (+ token type) embeddings and their LayerNorm (HF BertEmbeddings / DistilBERT
// Embeddings).
//
// Key: N = tokens in the packed batch, C = hidden size, V = vocab size, P = position table length.

/// The embedding layer; HF keys `embeddings.word_embeddings.weight`, `embeddings.position_embeddings.weight`,
/// `embeddings.token_type_embeddings.weight` (BERT only), `embeddings.LayerNorm.{weight,bias}`.
struct Embeddings: @unchecked Sendable {  // pointers into the read-only parameter store
    let wordEmbeddings: UnsafeMutablePointer<Float>      // (V, C)
    let positionEmbeddings: UnsafeMutablePointer<Float>  // (P, C)
    /// Row 0 of token_type_embeddings (single-segment input); nil for DistilBERT.
    let tokenType0: UnsafeMutablePointer<Float>?         // (C)
    let layerNormWeight: UnsafeMutablePointer<Float>     // (C)
    let layerNormBias: UnsafeMutablePointer<Float>       // (C)
    let vocabSize: Int, maxPositions: Int, C: Int, eps: Float

    static func load(from l: some TensorSource, prefix: String, config c: EncoderConfig) throws -> Embeddings {
        let C = c.hiddenSize
        let word = try l.take(prefix + "word_embeddings.weight", [c.vocabSize, C])
        let pos = try l.take(prefix + "position_embeddings.weight", [c.maxPositions, C])
        let type0 = c.family == .bert ? try l.take(prefix + "token_type_embeddings.weight", [c.typeVocabSize, C]) : nil
        return Embeddings(wordEmbeddings: word, positionEmbeddings: pos, tokenType0: type0,
                          layerNormWeight: try l.take(prefix + "LayerNorm.weight", [C]),
                          layerNormBias: try l.take(prefix + "LayerNorm.bias", [C]),
                          vocabSize: c.vocabSize, maxPositions: c.maxPositions, C: C, eps: c.layerNormEps)
    }

    /// out (N, C) = LayerNorm(word[ids] + position[positions] + type[0]).
    /// ids, positions: (N); every id < V and position < P (checked by the caller).
    func forward(_ out: UnsafeMutablePointer<Float>, ids: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, N: Int) {
        for n in 0..<N {
            let row = out + n * C
            let w = wordEmbeddings + Int(ids[n]) * C
            let p = positionEmbeddings + Int(positions[n]) * C
            var i = 0
            if let t = tokenType0 {
                while i + lanes <= C { vstore(vload(w + i) + vload(p + i) + vload(t + i), row + i); i += lanes }
                while i < C { row[i] = w[i] + p[i] + t[i]; i += 1 }
            } else {
                while i + lanes <= C { vstore(vload(w + i) + vload(p + i), row + i); i += lanes }
                while i < C { row[i] = w[i] + p[i]; i += 1 }
            }
            layerNormRow(row, layerNormWeight, layerNormBias, C: C, eps: eps)
        }
    }
}
