// InferenceBenchmark: throughput of the transformer runtime on random token ids (`mailroom bench`).
import Foundation

/// Measures sequences/s and tokens/s for batch sizes × lengths, like the peer script
/// (../shared/reference/peer_inference_bench.py): random ids in [1000, V-1), one warm-up, then ~`seconds` of runs.
public struct InferenceBenchmark: Sendable {
    /// One measured (batch, length) point.
    public struct Point: Sendable, Codable {
        public var batchSize: Int
        public var length: Int
        public var sequencesPerSecond: Double
        public var tokensPerSecond: Double
        /// Mean wall time of one batch, seconds.
        public var secondsPerBatch: Double
        public var iterations: Int
    }

    public var batchSizes: [Int]
    public var lengths: [Int]
    public var seconds: Double
    /// Also run the last layer on every token, as a generic encoder does (for like-for-like peer comparisons).
    public var fullLastLayer: Bool

    public init(batchSizes: [Int] = [1, 8, 32], lengths: [Int] = [64, 128, 256], seconds: Double = 3,
                fullLastLayer: Bool = false) {
        self.batchSizes = batchSizes; self.lengths = lengths; self.seconds = seconds; self.fullLastLayer = fullLastLayer
    }

    /// Runs the encoder and heads of a loaded classifier.
    public func run(model: TransformerClassifier, report: (Point) -> Void = { _ in }) throws -> [Point] {
        try run(vocabSize: model.encoder.config.vocabSize, maxPositions: model.encoder.config.maxPositions, report: report) {
            if fullLastLayer { _ = try model.encoder.forward($0, fullLastLayer: true) } else { _ = try model.runHeads($0) }
        }
    }

    /// Runs a bare encoder (first-token states only).
    public func run(encoder: TransformerEncoder, report: (Point) -> Void = { _ in }) throws -> [Point] {
        try run(vocabSize: encoder.config.vocabSize, maxPositions: encoder.config.maxPositions, report: report) {
            _ = try encoder.forward($0, fullLastLayer: fullLastLayer)
        }
    }

    func run(vocabSize: Int, maxPositions: Int, report: (Point) -> Void, _ step: ([[Int]]) throws -> Void) throws -> [Point] {
        var rng = SplitMix64(seed: 0)
        var points: [Point] = []
        for L in lengths {
            guard L <= maxPositions else { throw TransformerError.invalidInput("length \(L) exceeds the encoder's \(maxPositions) positions") }
            for B in batchSizes {
                let lo = min(1000, vocabSize - 1)
                let batch = (0..<B).map { _ in (0..<L).map { _ in lo + Int(rng.next() % UInt64(max(1, vocabSize - 1 - lo))) } }
                try step(batch)
                let t0 = DispatchTime.now().uptimeNanoseconds
                var n = 0
                var elapsed = 0.0
                repeat {
                    try step(batch); n += 1
                    elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                } while elapsed < seconds
                let p = Point(batchSize: B, length: L, sequencesPerSecond: Double(B * n) / elapsed,
                              tokensPerSecond: Double(B * L * n) / elapsed, secondsPerBatch: elapsed / Double(n), iterations: n)
                report(p); points.append(p)
            }
        }
        return points
    }
}
