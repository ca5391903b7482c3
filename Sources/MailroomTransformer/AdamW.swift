// AdamW: PyTorch's torch.optim.AdamW (decoupled weight decay, bias correction) over a flat parameter buffer,
// global-norm gradient clipping (clip_grad_norm_) and transformers' get_linear_schedule_with_warmup.

/// AdamW state: first and second moments with the parameters' flat layout (llm.c's m_memory / v_memory).
final class AdamW {
    let count: Int
    let m: FloatPtr  // (count)
    let v: FloatPtr  // (count)
    var beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8
    var weightDecay: Float
    /// Updates done so far (PyTorch's `state["step"]`).
    var step = 0

    init(count: Int, weightDecay: Float) {
        self.count = count; self.weightDecay = weightDecay
        m = .allocate(capacity: max(count, 1)); v = .allocate(capacity: max(count, 1))
        m.initialize(repeating: 0, count: max(count, 1)); v.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { m.deallocate(); v.deallocate() }

    /// One update of `params[range]` from `grads[range]` at learning rate `lr`, exactly as torch.optim.AdamW:
    /// `θ ← θ(1 − lr·λ)`, `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`,
    /// `θ ← θ − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)`.
    func update(_ params: FloatPtr, _ grads: UnsafePointer<Float>, range: Range<Int>, lr: Float) {
        step += 1
        let t = Double(step)
        let bc1 = 1 - pow(Double(beta1), t), bc2 = 1 - pow(Double(beta2), t)
        let stepSize = Float(Double(lr) / bc1), bc2Sqrt = Float(bc2.squareRoot())
        let decay = 1 - lr * weightDecay
        let (b1, b2, e) = (beta1, beta2, eps)
        for i in range {
            let g = grads[i]
            let mi = b1 * m[i] + (1 - b1) * g
            let vi = b2 * v[i] + (1 - b2) * g * g
            m[i] = mi; v[i] = vi
            params[i] = params[i] * decay - stepSize * mi / (vi.squareRoot() / bc2Sqrt + e)
        }
    }
}

/// Scales `grads[range]` so that their global L2 norm is at most `maxNorm` (torch.nn.utils.clip_grad_norm_:
/// coefficient `maxNorm / (norm + 1e-6)`, clamped to 1) and returns the norm before clipping.
@discardableResult
func clipGradNorm(_ grads: FloatPtr, range: Range<Int>, maxNorm: Float) -> Float {
    var sq: Double = 0
    for i in range { sq += Double(grads[i]) * Double(grads[i]) }
    let norm = Float(sq.squareRoot())
    let coef = min(1, maxNorm / (norm + 1e-6))
    if coef < 1 { for i in range { grads[i] *= coef } }
    return norm
}

/// transformers' `get_linear_schedule_with_warmup` multiplier for update `step` (0-based): linear warm-up over
/// `warmup` steps, then linear decay to 0 at `total`.
func linearWarmupDecay(step: Int, warmup: Int, total: Int) -> Float {
    if step < warmup { return Float(step) / Float(max(1, warmup)) }
    return max(0, Float(total - step) / Float(max(1, total - warmup)))
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension TrainingModel {
    /// The trainable range of the flat buffer: everything, or only the heads when the encoder is frozen.
    func trainableRange(freezeEncoder: Bool) -> Range<Int> { (freezeEncoder ? headStart : 0)..<count }

    /// Clips the gradients to global norm `clip` and applies one AdamW update at `lr`; returns the norm before
    /// clipping. Call after ``forwardBackward(_:labels:classWeights:headWeights:dropout:rng:freezeEncoder:)``.
    @discardableResult
    func update(_ optimizer: AdamW, lr: Float, clip: Float, freezeEncoder: Bool) -> Float {
        let range = trainableRange(freezeEncoder: freezeEncoder)
        let norm = clipGradNorm(grads, range: range, maxNorm: clip)
        optimizer.update(params, grads, range: range, lr: lr)
        return norm
    }
}
