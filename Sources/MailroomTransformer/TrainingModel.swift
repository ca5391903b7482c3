// TrainingModel: a TransformerClassifier's parameters with a same-layout gradient buffer, the training forward pass
// (with dropout), cross-entropy over every head, and the backward pass (llm.c's gpt2_forward / gpt2_backward).
//
// Key: B = sequences, T = longest sequence, N = ΣT tokens (packed), C = hidden size, L = layers, K = labels of a head.
// Parameters live in the classifier's one flat ParameterStore; `grads` has the same layout, so a module's gradient
// twin is the same module loaded from the store's table laid over `grads` (a ParameterView).
import Foundation

/// Dropout probabilities of a training pass (HF's hidden / attention dropout and the heads' 0.1).
public struct DropoutRates: Sendable, Equatable {
    public var hidden: Float, attention: Float, head: Float
    public init(hidden: Float, attention: Float, head: Float) {
        self.hidden = hidden; self.attention = attention; self.head = head
    }
    /// No dropout (evaluation-mode parity).
    public static let none = DropoutRates(hidden: 0, attention: 0, head: 0)
    var any: Bool { hidden > 0 || attention > 0 || head > 0 }
}

/// One batch's labels: for each head (in the model's head order), each row's label index or −1 (missing).
typealias BatchLabels = [[Int]]

/// The trainable model: parameters (the classifier's), gradients, kept activations.
final class TrainingModel {
    let classifier: TransformerClassifier
    let config: EncoderConfig
    let params: FloatPtr   // the classifier's flat parameter buffer
    let count: Int         // floats in use (encoder, then heads)
    let headStart: Int     // first float of the heads (the trainable range when the encoder is frozen)
    let grads: FloatPtr    // (count) same layout as params
    let gEmbeddings: Embeddings
    let gLayers: [TransformerBlock]
    let gHeads: [ClassificationHead]
    let acts: TrainingActivations
    var threads: Int

    init(classifier: TransformerClassifier, maxB: Int, maxT: Int, threads: Int) {
        self.classifier = classifier
        let enc = classifier.encoder, store = enc.store
        config = enc.config
        params = store.base
        count = store.used
        grads = .allocate(capacity: count)
        grads.initialize(repeating: 0, count: count)
        // The gradient modules: the same loads as the parameters', from the table laid over `grads`.
        let view = ParameterView(store: store, base: grads)
        do {
            (gEmbeddings, gLayers) = try TransformerEncoder.modules(from: view, config: config)
            gHeads = try classifier.classificationHeads.map {
                try ClassificationHead.load(from: view, name: $0.name, labels: $0.labels, C: $0.C)
            }
        } catch {
            preconditionFailure("the gradient layout does not match the parameter table (\(error)); this is a bug")
        }
        headStart = store.tensors.first { $0.key.hasPrefix(ClassificationHead.keyPrefix) }?.offset ?? count
        acts = TrainingActivations(config: config, headLabels: classifier.classificationHeads.map(\.labels),
                                   maxB: maxB, maxT: maxT, threads: threads)
        self.threads = threads
    }

    deinit { grads.deallocate() }

    /// Every parameter tensor, in buffer order: HF key (base-model names, no task prefix), offset in the flat buffer,
    /// shape. This is the store's table, recorded as the modules loaded.
    func namedTensors() -> [ParameterTensor] { classifier.encoder.store.tensors }

    /// The one place gradients are cleared.
    func zeroGrad() { grads.update(repeating: 0, count: count) }

    /// Packs `sequences` into ids/positions and returns the layout; every sequence is 1…maxT tokens.
    private func pack(_ sequences: [[Int]]) -> BatchLayout {
        precondition(sequences.count <= acts.maxB, "batch of \(sequences.count) > \(acts.maxB); this is a bug")
        var offsets = [0], T = 0
        for s in sequences {
            precondition(!s.isEmpty && s.count <= acts.maxT, "sequence of \(s.count) tokens; this is a bug")
            offsets.append(offsets.last! + s.count); T = max(T, s.count)
        }
        return BatchLayout(offsets: offsets, probOffsets: Attention.probabilityOffsets(offsets, NH: config.numHeads), Tmax: T)
    }

    /// Forward and backward on one batch: adds ∂loss/∂θ into `grads` (call ``zeroGrad()`` first) and returns the
    /// loss `Σ_heads w_h · CE_h` (heads with no label in the batch are skipped, like the reference).
    /// - Parameters:
    ///   - labels: per head, per row, a label index or −1.
    ///   - classWeights: per head, optional (K) weights; headWeights: per head.
    ///   - freezeEncoder: run the encoder in inference mode (no dropout) and skip its backward pass.
    func forwardBackward(_ sequences: [[Int]], labels: BatchLabels, classWeights: [[Float]?], headWeights: [Float],
                         dropout: DropoutRates, rng: inout SplitMix64, freezeEncoder: Bool) throws -> Float {
        let layout = pack(sequences)
        let N = layout.N, B = layout.B, C = config.hiddenSize, a = acts
        let ids = classifier.encoder.activations  // token ids/positions are packed into the encoder's buffers
        setBLASThreads(threads)
        let cls: UnsafeMutablePointer<Float>
        let flags = DropoutFlags(enabled: dropout.hidden > 0 || dropout.attention > 0,
                                 attentionOutput: config.family == .bert)
        if freezeEncoder {
            classifier.encoder.threads = threads
            cls = try classifier.encoder.forward(sequences)
        } else {
            ids.reserve(N: N, B: B, T: layout.Tmax, threads: threads)
            for (i, s) in sequences.enumerated() {
                for (t, id) in s.enumerated() {
                    guard id >= 0, id < config.vocabSize else {
                        throw TransformerError.invalidInput("token id \(id) is outside the vocabulary (V = \(config.vocabSize))")
                    }
                    ids.ids[layout.offsets[i] + t] = Int32(id); ids.positions[layout.offsets[i] + t] = Int32(t)
                }
            }
            if flags.enabled {
                dropoutMask(a.embMask, count: N * C, p: dropout.hidden, rng: &rng)
                for l in a.layers {
                    dropoutMask(l.probMask, count: layout.probOffsets.last!, p: dropout.attention, rng: &rng)
                    dropoutMask(l.mask1, count: N * C, p: dropout.hidden, rng: &rng)
                    dropoutMask(l.mask2, count: N * C, p: dropout.hidden, rng: &rng)
                }
            }
            let enc = classifier.encoder
            enc.embeddings.forwardForTraining(a.layers[0].inp, sum: a.embSum, mean: a.embMean, rstd: a.embRstd,
                                              ids: ids.ids, positions: ids.positions, N: N)
            if flags.enabled { applyMask(a.layers[0].inp, a.embMask, count: N * C) }
            for (l, block) in enc.layers.enumerated() {
                let out = l + 1 < a.layers.count ? a.layers[l + 1].inp : a.out
                block.forwardForTraining(out, cache: a.layers[l], layout: layout, dropout: flags,
                                         scratch: a.pairScratch, threads: threads)
            }
            for s in 0..<B { (a.cls + s * C).update(from: a.out + layout.offsets[s] * C, count: C) }
            cls = a.cls
        }
        // Heads and loss
        var loss: Float = 0
        a.dCls.update(repeating: 0, count: B * C)
        for (hi, head) in classifier.classificationHeads.enumerated() {
            let ha = a.heads[hi], K = head.labels
            let headMask: FloatPtr? = dropout.head > 0 ? ha.mask : nil
            if let m = headMask { dropoutMask(m, count: B * C, p: dropout.head, rng: &rng) }
            head.forwardForTraining(ha.logits, pre: ha.pre, r: ha.r, mask: headMask, cls, B: B)
            guard labels[hi].contains(where: { $0 >= 0 }) else { continue }
            loss += headWeights[hi] * crossEntropyForwardBackward(a.dLogits, ha.logits, labels: labels[hi],
                                                                  classWeights: classWeights[hi], scale: headWeights[hi],
                                                                  B: B, K: K)
            head.backward(a.dCls, grads: gHeads[hi], dr: a.dR, dlogits: a.dLogits, cls, pre: ha.pre, r: ha.r,
                          mask: headMask, B: B)
        }
        if freezeEncoder { return loss }
        // Encoder backward: dX (N, C) holds ∂loss/∂(last layer output): nonzero only at the first tokens
        var dout = a.dX, dinp = a.dY
        dout.update(repeating: 0, count: N * C)
        for s in 0..<B { (dout + layout.offsets[s] * C).update(from: a.dCls + s * C, count: C) }
        let enc = classifier.encoder
        for l in stride(from: enc.layers.count - 1, through: 0, by: -1) {
            enc.layers[l].backward(dinp, grads: gLayers[l], dout: dout, cache: a.layers[l], layout: layout,
                                   dropout: flags, dres: a.dZ, dln1: a.dAtt, dhidden: a.dHidden, dqkv: a.dQKV,
                                   scratch: a.pairScratch, threads: threads)
            swap(&dout, &dinp)
        }
        if flags.enabled { applyMask(dout, a.embMask, count: N * C) }
        enc.embeddings.backward(grads: gEmbeddings, dsum: a.dZ, dout: dout, sum: a.embSum, mean: a.embMean,
                                rstd: a.embRstd, ids: ids.ids, positions: ids.positions, N: N)
        return loss
    }
}
