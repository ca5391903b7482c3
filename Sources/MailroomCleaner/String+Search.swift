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
