// Fast substring search on UTF-8 bytes (Foundation's range(of:) bridges through NSString and is slow on Linux).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension StringProtocol {
    /// Byte offset of the first occurrence of `needle` in the UTF-8 view, or nil.
    func utf8Offset(of needle: String, from start: Int = 0) -> Int? {
        var needleCopy = needle
        return needleCopy.withUTF8 { n -> Int? in
            if let found = self.utf8.withContiguousStorageIfAvailable({ Self.search($0, n, from: start) }) {
                return found
            }
            return Array(self.utf8).withUnsafeBufferPointer { Self.search($0, n, from: start) }
        }
    }

    private static func search(_ hay: UnsafeBufferPointer<UInt8>, _ n: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard !n.isEmpty else { return start }
        guard hay.count >= n.count, start <= hay.count - n.count else { return nil }
        guard let base = hay.baseAddress else { return nil }
        let first = n[0]
        var i = start
        let last = hay.count - n.count
        while i <= last {
            // memchr finds the next candidate first byte (vectorised in libc).
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return nil }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            var k = 1
            while k < n.count && hay[i + k] == n[k] { k += 1 }
            if k == n.count { return i }
            i += 1
        }
        return nil
    }

    /// Whether `needle` occurs in the text (byte-wise on UTF-8, so both must be normalised the same way).
    func has(_ needle: String) -> Bool { utf8Offset(of: needle) != nil }
}

/// A fixed set of phrases searched in one pass over the text's bytes (phrases indexed by their first byte).
struct PhraseSet: Sendable {
    /// Phrase bytes and their index (a bit of the `seen` mask), grouped by first byte.
    private let byFirstByte: [[(bytes: [UInt8], bit: UInt64)]]
    private let startsAny: [Bool]

    /// Creates the set (at most 64 phrases); phrases must be normalised and lowercased like the texts they are
    /// matched against.
    init(_ phrases: [String]) {
        precondition(phrases.count <= 64, "PhraseSet holds at most 64 phrases")
        var table = [[(bytes: [UInt8], bit: UInt64)]](repeating: [], count: 256)
        for (k, phrase) in phrases.enumerated() where !phrase.isEmpty {
            let bytes = Array(phrase.utf8)
            table[Int(bytes[0])].append((bytes, UInt64(1) << UInt64(k)))
        }
        byFirstByte = table
        startsAny = table.map { !$0.isEmpty }
    }

    /// Whether any phrase of the set occurs in `text`.
    func containsAny(in text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { b -> Bool in
            let n = b.count
            for i in 0..<n where startsAny[Int(b[i])] {
                for phrase in byFirstByte[Int(b[i])] where i + phrase.bytes.count <= n {
                    var k = 1
                    while k < phrase.bytes.count && b[i + k] == phrase.bytes[k] { k += 1 }
                    if k == phrase.bytes.count { return true }
                }
            }
            return false
        }
    }

    /// How many different phrases of the set occur in `text` (each counted once).
    func countDistinct(in text: String) -> Int {
        var copy = text
        return copy.withUTF8 { b -> Int in
            var seen: UInt64 = 0
            let n = b.count
            for i in 0..<n {
                if !startsAny[Int(b[i])] { continue }
                for phrase in byFirstByte[Int(b[i])] where seen & phrase.bit == 0 && i + phrase.bytes.count <= n {
                    var k = 1
                    while k < phrase.bytes.count && b[i + k] == phrase.bytes[k] { k += 1 }
                    if k == phrase.bytes.count { seen |= phrase.bit }
                }
            }
            return seen.nonzeroBitCount
        }
    }
}
