// ParameterStore: all weights of a model in one flat float32 allocation, and the one table of its tensors (HF key,
// offset, shape), recorded as each module loads (llm.c's `param_sizes` + `malloc_and_point_parameters`).

/// One parameter tensor in a ``ParameterStore``: HF key (base-model name, no task prefix), first float, shape.
struct ParameterTensor: Sendable, Equatable {
    let key: String
    let offset: Int
    let shape: [Int]
    var count: Int { shape.reduce(1, *) }
}

/// One flat float buffer owning every parameter of a model, and the table of the tensors in it.
///
/// Modules keep pointers into it; it lives as long as the model. Capacity is the float count of the file,
/// an upper bound of what the modules take. The table is the only list of a model's tensors: saving, gradient
/// buffers, parameter counts and tests all read it, so a tensor a module loads cannot be missing from any of them.
final class ParameterStore {
    let base: UnsafeMutablePointer<Float>
    let capacity: Int
    /// Every tensor in load order, back to back from `base`.
    private(set) var tensors: [ParameterTensor] = []
    private var index: [String: Int] = [:]

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        base = .allocate(capacity: self.capacity)
        base.initialize(repeating: 0, count: self.capacity)
    }
    deinit { base.deallocate() }

    /// Floats in use: the end of the last tensor.
    var used: Int { tensors.last.map { $0.offset + $0.count } ?? 0 }

    /// Reserves room for `key` with `shape` right after the last tensor, records it, and returns where it starts.
    func reserve(_ key: String, _ shape: [Int]) -> UnsafeMutablePointer<Float> {
        let t = ParameterTensor(key: key, offset: used, shape: shape)
        precondition(t.offset + t.count <= capacity, "parameter store overflow at \(key); this is a bug")
        precondition(index[key] == nil, "tensor \(key) loaded twice; this is a bug")
        index[key] = tensors.count
        tensors.append(t)
        return base + t.offset
    }

    /// The table entry of `key`, if a module loaded it.
    func tensor(_ key: String) -> ParameterTensor? { index[key].map { tensors[$0] } }

    /// The bytes in use (what the weights cost in memory).
    var bytes: Int { used * MemoryLayout<Float>.size }
}
