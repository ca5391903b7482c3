// LBFGSHead: fits one softmax head by full-batch L-BFGS on the class-weighted, L2-penalised cross-entropy.
import Dispatch
import Foundation
import MailroomCore

/// Full-batch training of one head. Shapes: N = rows, F = features, K = labels, P = F·K + K parameters.
///
/// Minimises  f(W, b) = Σ_i c_{y_i} · CE(softmax(W x_i + b), y_i) + (λ/2) ‖W‖²
/// (scikit-learn's multinomial `LogisticRegression` objective with λ = 1/C; the bias is not penalised).
struct LBFGSHead {
    let spec: HeadSpec
    let featureCount: Int
    /// Rows that carry this head, their targets (row index, class).
    let rows: [Int]
    let targets: [Int]
    /// Loss weight per class (K).
    let classWeights: [Float]
    var l2: Float
    let threads: Int

    var classCount: Int { spec.labels.count }
    var parameterCount: Int { featureCount * classCount + classCount }

    /// Objective and gradient at θ = [W (F, K) row-major, b (K)]. Rows are split into `threads` fixed chunks,
    /// each with its own gradient buffer, summed in chunk order (deterministic for a given thread count).
    /// `x` must hold every row of ``rows`` with feature indices below F (``checkRows(_:)``; ``fit`` checks once).
    func objective(_ theta: [Float], x: SparseRows, gradient: inout [Float]) -> Double {
        let k = classCount, f = featureCount, p = parameterCount
        precondition(theta.count == p, "θ has \(theta.count) values, the head \(p); this is a bug")
        let chunks = max(1, min(threads, rows.count / 256 + 1))
        var partial = [[Float]](repeating: [], count: chunks)
        var losses = [Double](repeating: 0, count: chunks)
        let box = UnsafeSendable((theta, x, self))
        partial.withUnsafeMutableBufferPointer { partialBuf in
            losses.withUnsafeMutableBufferPointer { lossBuf in
                let out = UnsafeSendable((partialBuf, lossBuf))
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let (theta, x, head) = box.value
                    var g = [Float](repeating: 0, count: p)
                    let lo = head.rows.count * c / chunks, hi = head.rows.count * (c + 1) / chunks
                    let loss = theta.withUnsafeBufferPointer { th in
                        g.withUnsafeMutableBufferPointer { g in
                            head.addLossAndGradient(rows: lo..<hi, x: x, theta: th, gradient: g)
                        }
                    }
                    out.value.0[c] = g
                    out.value.1[c] = loss
                }
            }
        }
        gradient = partial[0]
        for c in 1..<chunks { axpy(1, partial[c], &gradient) }
        var loss = losses.reduce(0, +)
        var penalty = 0.0
        // (F·K) weights: unsafe buffers, a bounds check per element costs here under -O (the sizes are checked above).
        theta.withUnsafeBufferPointer { th in
            gradient.withUnsafeMutableBufferPointer { g in
                for i in 0..<(f * k) { penalty += Double(th[i]) * Double(th[i]); g[i] += l2 * th[i] }
            }
        }
        loss += 0.5 * Double(l2) * penalty
        return loss
    }

    /// The loss of the rows `range` (indices into ``rows``) at θ (P); their gradient is added into `gradient` (P).
    ///
    /// The per-non-zero loops are the trainer's hot loop: they read through unsafe buffer pointers because a bounds
    /// check per element costs +16 % instructions there under -O (callgrind); ``checkRows(_:)`` has checked every
    /// index.
    private func addLossAndGradient(rows range: Range<Int>, x: SparseRows, theta: UnsafeBufferPointer<Float>,
                                    gradient: UnsafeMutableBufferPointer<Float>) -> Double {
        let k = classCount, f = featureCount
        precondition(theta.count == parameterCount && gradient.count == parameterCount && classWeights.count == k,
                     "head buffers of the wrong size; this is a bug")
        let w = theta.baseAddress!, b = w + f * k           // W (F, K), b (K)
        let gw = gradient.baseAddress!, gb = gw + f * k     // ∂W (F, K), ∂b (K)
        var loss = 0.0
        x.indices.withUnsafeBufferPointer { indices in
            x.values.withUnsafeBufferPointer { values in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: k) { z in   // logits, then dL/dz (K)
                    for n in range {
                        let r = rows[n], y = targets[n]
                        let s = x.rowStart[r], e = x.rowStart[r + 1]
                        for c in 0..<k { z[c] = b[c] }
                        for q in s..<e {                      // z = b + Σ_j x_j W[j, :]
                            let row = w + Int(indices[q]) * k, v = values[q]
                            for c in 0..<k { z[c] += v * row[c] }
                        }
                        var m = z[0]
                        for c in 1..<k where z[c] > m { m = z[c] }
                        var sum: Float = 0
                        for c in 0..<k { z[c] = Foundation.exp(z[c] - m); sum += z[c] }
                        let cw = classWeights[y]
                        loss += Double(cw) * -Double(Foundation.log(max(z[y] / sum, 1e-30)))
                        for c in 0..<k { z[c] = cw * (z[c] / sum - (c == y ? 1 : 0)) }   // dL/dz (K)
                        for c in 0..<k { gb[c] += z[c] }
                        for q in s..<e {                      // dL/dW[j, :] += x_j · dL/dz
                            let row = gw + Int(indices[q]) * k, v = values[q]
                            for c in 0..<k { row[c] += v * z[c] }
                        }
                    }
                }
            }
        }
        return loss
    }

    /// Checks what ``objective(_:x:gradient:)`` reads without bounds checks: `x` is well formed (row starts
    /// ascending up to its non-zero count), holds every row of ``rows`` and only feature indices below F, and every
    /// target is a class.
    func checkRows(_ x: SparseRows) {
        precondition(x.indices.count == x.values.count && x.rowStart.first == 0 && x.rowStart.last == x.indices.count
                     && zip(x.rowStart, x.rowStart.dropFirst()).allSatisfy { $0 <= $1 },
                     "malformed sparse rows; this is a bug")
        precondition(x.indices.allSatisfy { $0 >= 0 && Int($0) < featureCount },
                     "a feature index ≥ F = \(featureCount); this is a bug")
        precondition(rows.count == targets.count && rows.allSatisfy { $0 >= 0 && $0 < x.count }
                     && targets.allSatisfy { $0 >= 0 && $0 < classCount },
                     "head rows or targets out of range; this is a bug")
    }

    /// Runs up to `iterations` L-BFGS steps (memory `memory`) from `start` (zero when nil);
    /// reports (iteration, loss / N). Returns θ = [W (F, K), b (K)].
    func fit(x: SparseRows, iterations: Int, start: [Float]? = nil, memory: Int = 8, tolerance: Double = 2e-5,
             report: (Int, Double) -> Void) -> [Float] {
        let p = parameterCount
        checkRows(x)
        var theta = start ?? [Float](repeating: 0, count: p)
        var g = [Float](repeating: 0, count: p)
        var fx = objective(theta, x: x, gradient: &g)
        var sList: [[Float]] = [], yList: [[Float]] = [], rho: [Double] = []
        var gNew = [Float](repeating: 0, count: p)
        var stalled = 0
        for it in 1...iterations {
            // Two-loop recursion: d = −H g.
            var d = g.map { -$0 }
            var alpha = [Double](repeating: 0, count: sList.count)
            for i in stride(from: sList.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(sList[i], d)
                axpy(-alpha[i], yList[i], &d)
            }
            if let s = sList.last, let y = yList.last {
                let gamma = dot(s, y) / dot(y, y)
                for i in 0..<p { d[i] *= Float(gamma) }
            } else {
                let n = dot(g, g).squareRoot()
                for i in 0..<p { d[i] /= Float(max(n, 1e-12)) }
            }
            for i in 0..<sList.count {
                let beta = rho[i] * dot(yList[i], d)
                axpy(alpha[i] - beta, sList[i], &d)
            }
            var slope = dot(g, d)
            if slope >= 0 {                                   // not a descent direction: restart
                sList.removeAll(); yList.removeAll(); rho.removeAll()
                d = g.map { -$0 }; slope = dot(g, d)
                let n = (-slope).squareRoot()
                for i in 0..<p { d[i] /= Float(max(n, 1e-12)) }
                slope = dot(g, d)
            }
            // Backtracking line search (Armijo, c1 = 1e-4).
            var step: Float = 1
            var candidate = theta
            var fNew = fx
            var accepted = false
            for _ in 0..<30 {
                assignSum(&candidate, theta, step, d)                   // θ + step·d
                fNew = objective(candidate, x: x, gradient: &gNew)
                if fNew <= fx + 1e-4 * Double(step) * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            var s = candidate, y = gNew                       // s = Δθ, y = Δg (P)
            axpy(-1, theta, &s); axpy(-1, g, &y)
            let sy = dot(s, y)
            if sy > 1e-10 {
                sList.append(s); yList.append(y); rho.append(1 / sy)
                if sList.count > memory { sList.removeFirst(); yList.removeFirst(); rho.removeFirst() }
            }
            let decrease = (fx - fNew) / max(abs(fNew), 1)
            theta = candidate; g = gNew; fx = fNew
            report(it, fx / Double(max(rows.count, 1)))
            stalled = decrease < tolerance ? stalled + 1 : 0
            if stalled >= 3 { break }
        }
        return theta
    }

    /// Splits θ into a head's weights and bias.
    func weights(_ theta: [Float]) -> HeadWeights {
        let fk = featureCount * classCount
        return HeadWeights(spec: spec, weights: Array(theta[0..<fk]), bias: Array(theta[fk...]))
    }
}

/// Dot product accumulated in Double.
private func dot(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "dot of \(a.count) and \(b.count) values; this is a bug")
    var s = 0.0
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in for i in 0..<a.count { s += Double(a[i] * b[i]) } } }
    return s
}

/// y += a · x
private func axpy(_ a: Double, _ x: [Float], _ y: inout [Float]) {
    precondition(x.count == y.count, "axpy of \(x.count) and \(y.count) values; this is a bug")
    let af = Float(a)
    x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in for i in 0..<x.count { y[i] += af * x[i] } } }
}

/// out = a + t · b
private func assignSum(_ out: inout [Float], _ a: [Float], _ t: Float, _ b: [Float]) {
    precondition(out.count == a.count && a.count == b.count,
                 "sizes \(out.count), \(a.count), \(b.count); this is a bug")
    a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
            out.withUnsafeMutableBufferPointer { out in for i in 0..<a.count { out[i] = a[i] + t * b[i] } }
        }
    }
}

/// Carries values the compiler cannot prove `Sendable` into `concurrentPerform`; each chunk writes only its own slot.
struct UnsafeSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
