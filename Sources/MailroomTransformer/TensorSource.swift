// TensorSource: where a module's `load` takes its tensors from, by HF key and expected shape (TEI's `VarBuilder`):
// a safetensors file (``ParameterLoader``, which records each tensor in the store's table) or the table itself laid
// over another buffer of the same layout (``ParameterView``, for the gradients).

/// Gives modules their tensors by HF key, checking each shape.
protocol TensorSource {
    /// Tensors stored back to back (e.g. q, k, v → one (3C, C) matrix); returns the first one's start.
    /// `encoder`: the keys are encoder tensors (they may carry the file's task-model prefix); false for `heads.*`.
    func takeConcatenated(_ keys: [String], _ shapes: [[Int]], encoder: Bool) throws -> UnsafeMutablePointer<Float>
}

extension TensorSource {
    /// One tensor; see ``takeConcatenated(_:_:encoder:)``.
    func take(_ key: String, _ shape: [Int], encoder: Bool = true) throws -> UnsafeMutablePointer<Float> {
        try takeConcatenated([key], [shape], encoder: encoder)
    }

    func takeConcatenated(_ keys: [String], _ shapes: [[Int]]) throws -> UnsafeMutablePointer<Float> {
        try takeConcatenated(keys, shapes, encoder: true)
    }
}

/// Reads tensors by HF key from a safetensors file into a ``ParameterStore``, recording each in its table.
final class ParameterLoader: TensorSource {
    let reader: SafetensorsReader
    let store: ParameterStore
    /// The encoder prefix found in this file ("" or "distilbert." / "bert.").
    let encoderPrefix: String

    /// Opens `path`, sizing the store for every float tensor in it (I8 tensors with scales are dequantized), and picks the encoder prefix whose
    /// `embeddings.word_embeddings.weight` exists.
    init(path: String, family: EncoderFamily) throws {
        let reader = try SafetensorsReader(path: path)
        var total = 0
        for (k, e) in reader.entries where reader.isFloatReadable(k) && !reader.isScale(k) { total += e.count }
        let candidates = ["", family.rawValue + "."]
        let probe = "embeddings.word_embeddings.weight"
        guard let p = candidates.first(where: { reader.entries[$0 + probe] != nil }) else {
            throw TransformerError.missingTensor(key: probe, tried: candidates.map { $0 + probe }, file: path)
        }
        self.reader = reader
        store = ParameterStore(capacity: total)
        encoderPrefix = p
    }

    func takeConcatenated(_ keys: [String], _ shapes: [[Int]], encoder: Bool) throws -> UnsafeMutablePointer<Float> {
        precondition(!keys.isEmpty && keys.count == shapes.count, "tensor keys and shapes differ; this is a bug")
        var start: UnsafeMutablePointer<Float>?
        for (key, shape) in zip(keys, shapes) {
            let full = (encoder ? encoderPrefix : "") + key
            guard let e = reader.entries[full] else {
                throw TransformerError.missingTensor(key: key, tried: [full], file: reader.path)
            }
            guard e.shape == shape else {
                throw TransformerError.shapeMismatch(key: full, expected: shape, found: e.shape, file: reader.path)
            }
            let at = store.reserve(key, shape)  // right after the previous key: the tensors lie back to back
            try reader.read(full, into: at)
            start = start ?? at
        }
        return start!
    }
}

/// A ``ParameterStore``'s table laid over another buffer of the same layout (the gradients, llm.c's `grads_memory`):
/// a module loaded from it points at its own tensors' places in that buffer.
struct ParameterView: TensorSource {
    let store: ParameterStore
    /// (store.used) floats.
    let base: UnsafeMutablePointer<Float>

    func takeConcatenated(_ keys: [String], _ shapes: [[Int]], encoder: Bool) throws -> UnsafeMutablePointer<Float> {
        precondition(!keys.isEmpty && keys.count == shapes.count, "tensor keys and shapes differ; this is a bug")
        var first: Int?, next: Int?
        for (key, shape) in zip(keys, shapes) {
            guard let t = store.tensor(key) else {
                throw TransformerError.missingTensor(key: key, tried: [key], file: "the model's parameter table")
            }
            guard t.shape == shape else {
                throw TransformerError.shapeMismatch(key: key, expected: shape, found: t.shape,
                                                     file: "the model's parameter table")
            }
            precondition(next == nil || t.offset == next, "\(keys) do not lie back to back in the table; this is a bug")
            first = first ?? t.offset
            next = t.offset + t.count
        }
        return base + first!
    }
}
