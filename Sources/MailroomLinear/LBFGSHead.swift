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
    func objective(_ theta: [Float], x: SparseRows, gradient: inout [Float]) -> Double {
        let k = classCount, f = featureCount, p = parameterCount
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
                    var z = [Float](repeating: 0, count: k)
                    var loss = 0.0
                    let lo = head.rows.count * c / chunks, hi = head.rows.count * (c + 1) / chunks
                    theta.withUnsafeBufferPointer { th in
                        g.withUnsafeMutableBufferPointer { g in
                            let w = th.baseAddress!, b = th.baseAddress! + f * k
                            let gw = g.baseAddress!, gb = g.baseAddress! + f * k
                            for n in lo..<hi {
                                let r = head.rows[n], y = head.targets[n]
                                let s = x.rowStart[r], e = x.rowStart[r + 1]
                                for c in 0..<k { z[c] = b[c] }
                                for q in s..<e {                      // z = b + Σ_j x_j W[j, :]
                                    let row = w + Int(x.indices[q]) * k, v = x.values[q]
                                    for c in 0..<k { z[c] += v * row[c] }
                                }
                                var m = z[0]
                                for c in 1..<k where z[c] > m { m = z[c] }
                                var sum: Float = 0
                                for c in 0..<k { z[c] = Foundation.exp(z[c] - m); sum += z[c] }
                                let cw = head.classWeights[y]
                                loss += Double(cw) * -Double(Foundation.log(max(z[y] / sum, 1e-30)))
                                for c in 0..<k { z[c] = cw * (z[c] / sum - (c == y ? 1 : 0)) }   // dL/dz (K)
                                for c in 0..<k { gb[c] += z[c] }
                                for q in s..<e {                      // dL/dW[j, :] += x_j · dL/dz
                                    let row = gw + Int(x.indices[q]) * k, v = x.values[q]
                                    for c in 0..<k { row[c] += v * z[c] }
                                }
                            }
                        }
                    }
                    out.value.0[c] = g
                    out.value.1[c] = loss
                }
            }
        }
        gradient = partial[0]
        for c in 1..<chunks { for i in 0..<p { gradient[i] += partial[c][i] } }
        var loss = losses.reduce(0, +)
        var penalty = 0.0
        for i in 0..<(f * k) { penalty += Double(theta[i]) * Double(theta[i]); gradient[i] += l2 * theta[i] }
        loss += 0.5 * Double(l2) * penalty
        return loss
    }

    /// Runs up to `iterations` L-BFGS steps (memory `memory`) from `start` (zero when nil);
    /// reports (iteration, loss / N). Returns θ = [W (F, K), b (K)].
    func fit(x: SparseRows, iterations: Int, start: [Float]? = nil, memory: Int = 8, tolerance: Double = 2e-5,
             report: (Int, Double) -> Void) -> [Float] {
        let p = parameterCount
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
                for i in 0..<p { candidate[i] = theta[i] + step * d[i] }
                fNew = objective(candidate, x: x, gradient: &gNew)
                if fNew <= fx + 1e-4 * Double(step) * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { break }
            var s = [Float](repeating: 0, count: p), y = [Float](repeating: 0, count: p)
            for i in 0..<p { s[i] = candidate[i] - theta[i]; y[i] = gNew[i] - g[i] }
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
    var s = 0.0
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in for i in 0..<a.count { s += Double(a[i] * b[i]) } } }
    return s
}

/// y += a · x
private func axpy(_ a: Double, _ x: [Float], _ y: inout [Float]) {
    let af = Float(a)
    x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in for i in 0..<x.count { y[i] += af * x[i] } } }
}

/// Carries values the compiler cannot prove `Sendable` into `concurrentPerform`; each chunk writes only its own slot.
struct UnsafeSendable<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
