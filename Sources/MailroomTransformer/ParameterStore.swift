// ParameterStore: all weights of a model in one flat float32 allocation, filled tensor by tensor from safetensors
// with each HF key and shape checked at load time.
import Foundation

/// One flat float buffer owning every parameter of a model (llm.c's `malloc_and_point_parameters`).
///
/// Modules keep pointers into it; it lives as long as the model. Capacity is the float count of the file,
/// an upper bound of what the modules take.
final class ParameterStore {
    let base: UnsafeMutablePointer<Float>
    let capacity: Int
    private(set) var used = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
        base.initialize(repeating: 0, count: self.capacity)
    }
    deinit { base.deallocate() }

    /// Reserves `count` floats and returns where they start.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        precondition(used + count <= capacity, "parameter store overflow; this is a bug")
        defer { used += count }
        return base + used
    }

    /// The bytes in use (what the weights cost in memory).
    var bytes: Int { used * MemoryLayout<Float>.size }
}

/// Reads tensors by HF key into a ``ParameterStore``, trying each accepted key prefix.
final class ParameterLoader {
    let reader: SafetensorsReader
    let store: ParameterStore
    /// The encoder prefix found in this file ("" or "distilbert." / "bert.").
    let encoderPrefix: String

    /// Opens `path`, sizing the store for every float tensor in it, and picks the encoder prefix whose
    /// `embeddings.word_embeddings.weight` exists.
    init(path: String, family: EncoderFamily) throws {
        let reader = try SafetensorsReader(path: path)
        var total = 0
        for e in reader.entries.values where e.dtype.isFloat { total += e.count }
        let candidates = ["", family.rawValue + "."]
        let probe = "embeddings.word_embeddings.weight"
        guard let p = candidates.first(where: { reader.entries[$0 + probe] != nil }) else {
            throw TransformerError.missingTensor(key: probe, tried: candidates.map { $0 + probe }, file: path)
        }
        self.reader = reader
        store = ParameterStore(capacity: total)
        encoderPrefix = p
    }

    /// Loads `key` (under the encoder prefix when `encoder`), checking its shape; returns its place in the store.
    func take(_ key: String, _ shape: [Int], encoder: Bool = true) throws -> UnsafeMutablePointer<Float> {
        try takeConcatenated([key], [shape], encoder: encoder)
    }

    /// Loads several tensors back to back (e.g. q, k, v → one (3C, C) matrix) and returns the start.
    func takeConcatenated(_ keys: [String], _ shapes: [[Int]], encoder: Bool = true) throws -> UnsafeMutablePointer<Float> {
        let count = shapes.reduce(0) { $0 + $1.reduce(1, *) }
        let start = store.reserve(count)
        var at = start
        for (key, shape) in zip(keys, shapes) {
            let full = (encoder ? encoderPrefix : "") + key
            guard let e = reader.entries[full] else {
                throw TransformerError.missingTensor(key: key, tried: [full], file: reader.path)
            }
            guard e.shape == shape else {
                throw TransformerError.shapeMismatch(key: full, expected: shape, found: e.shape, file: reader.path)
            }
            try reader.read(full, into: at)
            at += e.count
        }
        return start
    }

    func has(_ key: String, encoder: Bool = true) -> Bool {
        reader.entries[(encoder ? encoderPrefix : "") + key] != nil
    }
}
