// SeededGenerator: the one seeded PRNG (SplitMix64) of the project: sample data, training, head initialisation, fuzzing.
import Foundation

/// SplitMix64 (Steele, Lea, Flood 2014): 64-bit state, passes BigCrush, trivially seedable.
///
/// Swift's `SystemRandomNumberGenerator` cannot be seeded, so the generator carries its own.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform integer in `0..<bound` (bound > 0), by rejection so every value is equally likely.
    public mutating func int(below bound: Int) -> Int {
        precondition(bound > 0, "SeededGenerator.int(below:) needs a positive bound; this is a bug")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = next()
            if x < limit { return Int(x % b) }
        }
    }

    /// Uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Fisher–Yates shuffle from the back (swap element i with one of 0...i). Unlike `Array.shuffle(using:)`, whose
    /// order is the standard library's to change, this permutation is fixed for a seed (the linear trainer's
    /// cross-validation folds depend on it).
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(below: i + 1)) }
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[int(below: items.count)] }

    /// An index chosen with probability proportional to `weights` (non-negative, positive sum).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            x -= w
            if x < 0 { return i }
        }
        return weights.count - 1
    }
}
