// Fast substring search on UTF-8 bytes (Foundation's range(of:) bridges through NSString and is slow on Linux).

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
        let first = n[0]
        var i = start
        let last = hay.count - n.count
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < n.count && hay[i + k] == n[k] { k += 1 }
                if k == n.count { return i }
            }
            i += 1
        }
        return nil
    }

    /// Whether `needle` occurs in the text (byte-wise on UTF-8, so both must be normalised the same way).
    func has(_ needle: String) -> Bool { utf8Offset(of: needle) != nil }
}

/// A fixed set of phrases searched in one pass over the text's bytes (phrases indexed by their first byte).
struct PhraseSet: Sendable {
    private let byFirstByte: [[[UInt8]]]
    private let startsAny: [Bool]

    /// Creates the set; phrases must be normalised and lowercased like the texts they are matched against.
    init(_ phrases: [String]) {
        var table = [[[UInt8]]](repeating: [], count: 256)
        for phrase in phrases where !phrase.isEmpty {
            let bytes = Array(phrase.utf8)
            table[Int(bytes[0])].append(bytes)
        }
        byFirstByte = table
        startsAny = table.map { !$0.isEmpty }
    }

    /// How many different phrases of the set occur in `text` (each counted once).
    func countDistinct(in text: String) -> Int {
        var copy = text
        return copy.withUTF8 { b -> Int in
            var seen = Set<[UInt8]>()
            for i in 0..<b.count {
                if !startsAny[Int(b[i])] { continue }
                for phrase in byFirstByte[Int(b[i])] where i + phrase.count <= b.count && !seen.contains(phrase) {
                    var k = 1
                    while k < phrase.count && b[i + k] == phrase[k] { k += 1 }
                    if k == phrase.count { seen.insert(phrase) }
                }
            }
            return seen.count
        }
    }
}
