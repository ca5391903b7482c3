// WordPiece: greedy longest-match-first subword model (HF tokenizers' `models/wordpiece`).

/// A WordPiece vocabulary and its greedy longest-match-first tokenisation of one word.
public struct WordPiece: Sendable {
    /// UTF-8 bytes → id: lookups compare bytes, as HF does (Swift `String` equality would treat "a\u{308}" and
    /// "ä" as equal, which HF does not).
    let byteVocab: [[UInt8]: Int]
    let prefixBytes: [UInt8]
    /// Id → token string.
    public let tokens: [String]
    public let unkID: Int
    /// Prefix of every piece that continues a word (`##`).
    public let continuingSubwordPrefix: String
    /// Longer words (in Unicode scalars) become one `[UNK]`.
    public let maxInputCharsPerWord: Int

    /// - Parameter vocab: (token, id) pairs; tokens are compared by their UTF-8 bytes.
    public init(vocab: [(String, Int)], unkToken: String, continuingSubwordPrefix: String = "##",
                maxInputCharsPerWord: Int = 100) throws {
        var tokens = [String](repeating: "", count: (vocab.map(\.1).max() ?? -1) + 1)
        var byteVocab: [[UInt8]: Int] = [:]
        for (t, i) in vocab where i >= 0 { tokens[i] = t; byteVocab[Array(t.utf8)] = i }
        guard let unk = byteVocab[Array(unkToken.utf8)] else { throw TokenizerError.missingToken(unkToken) }
        self.byteVocab = byteVocab; prefixBytes = Array(continuingSubwordPrefix.utf8)
        self.tokens = tokens; self.unkID = unk
        self.continuingSubwordPrefix = continuingSubwordPrefix; self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// Reads `vocab.txt`: one token per line, the line number is the id.
    /// Lines that are canonically equivalent but differ in bytes stay distinct tokens (the first one wins only for
    /// byte-identical duplicates).
    public static func readVocabFile(_ path: String) throws -> [(String, Int)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.unreadable(path)
        }
        var vocab: [(String, Int)] = []
        var seen = Set<[UInt8]>()
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        for (i, line) in lines.enumerated() {
            var t = String(line)
            if t.hasSuffix("\r") { t.removeLast() }
            if seen.insert(Array(t.utf8)).inserted { vocab.append((t, i)) }
        }
        return vocab
    }

    /// The id of `token` (byte-exact), if it is in the vocabulary.
    public func id(of token: String) -> Int? { byteVocab[Array(token.utf8)] }

    /// Appends the ids of one pre-tokenised word (`word` as Unicode scalars) to `ids`.
    /// A word with any piece missing from the vocabulary becomes a single `[UNK]`, as in HF.
    public func tokenize(word: ArraySlice<Unicode.Scalar>, into ids: inout [Int]) {
        if word.count > maxInputCharsPerWord { ids.append(unkID); return }
        let checkpoint = ids.count, L = word.count
        // The word's UTF-8 once (on the stack: L ≤ maxInputCharsPerWord), with where each scalar starts in it: a
        // candidate piece is one byte range, copied, not its scalars encoded again for every candidate (under -O each
        // of those steps was bounds-checked: +18 % instructions here, callgrind).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4 * L) { bytes in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: L + 1) { starts in
                var n = 0
                for (i, c) in word.enumerated() {
                    starts[i] = n
                    for b in UTF8.encode(c)! { bytes[n] = b; n += 1 }
                }
                starts[L] = n
                var start = 0
                var piece: [UInt8] = []
                while start < L {
                    var end = L
                    var found: Int?
                    while start < end {
                        piece.removeAll(keepingCapacity: true)
                        if start != 0 { piece.append(contentsOf: prefixBytes) }
                        let range = starts[start]..<starts[end]
                        piece.append(contentsOf: UnsafeMutableBufferPointer(rebasing: bytes[range]))
                        if let id = byteVocab[piece] { found = id; break }
                        end -= 1
                    }
                    guard let id = found else {
                        ids.removeSubrange(checkpoint...)
                        ids.append(unkID)
                        return
                    }
                    ids.append(id)
                    start = end
                }
            }
        }
    }
}

import Foundation
