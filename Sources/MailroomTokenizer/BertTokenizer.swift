// BertTokenizer: a BERT/DistilBERT WordPiece tokenizer loaded from an HF checkpoint directory, with truncation.
//
// Pipeline (HF fast tokenizer order): split out special tokens found verbatim in the raw text → BertNormalizer →
// BertPreTokenizer (split on whitespace, isolate punctuation) → WordPiece → `[CLS] … [SEP]`.
import Foundation

/// One special (added) token matched verbatim in the raw text before normalisation.
public struct AddedToken: Sendable, Equatable {
    public var content: String
    public var id: Int
    /// Swallow whitespace on the left / right of a match.
    public var lstrip = false
    public var rstrip = false
}

/// The ids of one encoded text.
public struct Encoding: Sendable, Equatable {
    /// `[CLS] pieces… [SEP]`, at most `maxLength` ids.
    public var ids: [Int]
    /// Whether pieces were dropped (too many tokens) or the text was cut at the character cap.
    public var truncated: Bool
}

/// A BERT-family WordPiece tokenizer (`tokenizer.json`, or `vocab.txt` + `tokenizer_config.json`).
public struct BertTokenizer: Sendable {
    public var normalizer: BertNormalizer
    public let wordPiece: WordPiece
    public var addedTokens: [AddedToken]
    public let clsID: Int
    public let sepID: Int
    public let padID: Int

    public init(wordPiece: WordPiece, normalizer: BertNormalizer, addedTokens: [AddedToken],
                clsID: Int, sepID: Int, padID: Int) {
        self.wordPiece = wordPiece; self.normalizer = normalizer
        self.addedTokens = addedTokens.sorted { $0.content.unicodeScalars.count > $1.content.unicodeScalars.count }
        self.clsID = clsID; self.sepID = sepID; self.padID = padID
    }

    /// Tokenises `text` and wraps it in `[CLS] … [SEP]`.
    ///
    /// - Parameters:
    ///   - maxLength: the most ids returned, specials included (HF `truncation=True, max_length=`); `nil` = no limit.
    ///   - maxCharacters: a cap on Unicode scalars read before tokenising, so a huge body costs bounded time.
    ///     The cut moves back to the last whitespace (up to 100 scalars) so no word is split.
    public func encode(_ text: String, maxLength: Int? = nil, maxCharacters: Int? = nil) -> Encoding {
        var scalars = Array(text.unicodeScalars)
        var cut = false
        if let cap = maxCharacters, scalars.count > cap {
            var end = cap
            let floor = max(0, cap - 100)
            while end > floor, !BertNormalizer.isWhitespace(scalars[end]) { end -= 1 }
            if end == floor { end = cap }
            scalars.removeSubrange(end...)
            cut = true
        }
        let budget = maxLength.map { max(0, $0 - 2) } ?? Int.max
        var ids: [Int] = [clsID]
        ids.reserveCapacity(min(budget, scalars.count) + 2)
        // Tokenise one more piece than the budget so that "exactly full" and "truncated" differ.
        let stop = budget == Int.max ? Int.max : budget + 2
        forEachSpan(scalars) { span, added in
            if let added { ids.append(added.id); return ids.count < stop }
            var normalized = Array(span)
            normalizer.normalize(&normalized)
            return preTokenizeAndEncode(normalized, into: &ids, stopAt: stop)
        }
        var truncated = cut
        if ids.count - 1 > budget { ids.removeSubrange((budget + 1)...); truncated = true }
        ids.append(sepID)
        return Encoding(ids: ids, truncated: truncated)
    }

    /// The pieces of `text` without specials or truncation (HF `tokenize` mapped to ids).
    public func pieceIDs(_ text: String) -> [Int] {
        var ids = encode(text).ids
        ids.removeFirst(); ids.removeLast()
        return ids
    }

    /// Splits raw scalars at verbatim occurrences of added tokens (leftmost, longest first) and calls `body`
    /// for each span: text spans with `added == nil`. `body` returns false to stop early.
    private func forEachSpan(_ s: [Unicode.Scalar],
                             _ body: (ArraySlice<Unicode.Scalar>, AddedToken?) -> Bool) {
        var spanStart = 0, pos = 0
        let first = Set(addedTokens.compactMap { $0.content.unicodeScalars.first })
        while pos < s.count {
            guard first.contains(s[pos]), let tok = addedTokens.first(where: { matches($0, s, at: pos) }) else {
                pos += 1; continue
            }
            var start = pos
            var end = pos + tok.content.unicodeScalars.count
            if tok.lstrip { while start > spanStart, s[start - 1].properties.isWhitespace { start -= 1 } }
            if tok.rstrip { while end < s.count, s[end].properties.isWhitespace { end += 1 } }
            if start > spanStart, !body(s[spanStart..<start], nil) { return }
            if !body([], tok) { return }
            pos = end; spanStart = end
        }
        if spanStart < s.count { _ = body(s[spanStart...], nil) }
    }

    private func matches(_ tok: AddedToken, _ s: [Unicode.Scalar], at pos: Int) -> Bool {
        var i = pos
        for c in tok.content.unicodeScalars {
            if i >= s.count || s[i] != c { return false }
            i += 1
        }
        return true
    }

    /// BertPreTokenizer + WordPiece over normalised scalars. Returns false once `ids.count >= stopAt`.
    private func preTokenizeAndEncode(_ s: [Unicode.Scalar], into ids: inout [Int], stopAt: Int) -> Bool {
        var wordStart = -1
        for i in 0..<s.count {
            let c = s[i]
            if BertNormalizer.isWhitespace(c) || BertNormalizer.isPunctuation(c) {
                if wordStart >= 0 { wordPiece.tokenize(word: s[wordStart..<i], into: &ids); wordStart = -1 }
                if ids.count >= stopAt { return false }
                if !BertNormalizer.isWhitespace(c) { wordPiece.tokenize(word: s[i...i], into: &ids) }
                if ids.count >= stopAt { return false }
            } else if wordStart < 0 {
                wordStart = i
            }
        }
        if wordStart >= 0 { wordPiece.tokenize(word: s[wordStart...], into: &ids) }
        return ids.count < stopAt
    }
}
