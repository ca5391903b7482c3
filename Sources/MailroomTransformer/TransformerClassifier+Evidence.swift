// TransformerClassifier+Evidence: the transformer kind's evidence: the words whose tokens carry the largest
// attention-rollout share of the first token, the representation every head reads.
import Foundation
import MailroomCore

extension TransformerClassifier {
    /// Marks the transformer's items among a hybrid's linear ones: their weight is an attention share, not a
    /// contribution to a logit.
    public static let evidencePrefix = "attention: "

    /// The `top` words of the email (fields included, as the model reads them) by attention rollout
    /// (``TransformerEncoder/attentionRollout(_:)``), largest first. Word pieces are joined into their words and
    /// a word's occurrences summed; special tokens and punctuation are left out. The rollout is the same for
    /// every head and label (all heads read the first token); one forward pass of the email, at most ``maxLength``
    /// tokens.
    public func evidence(for input: ModelInput, head: String, label: String, top: Int) -> [EvidenceItem]? {
        guard top > 0, heads.contains(where: { $0.name == head && $0.labels.contains(label) }) else { return nil }
        let ids = encode(input.prefixed(fields: fields)).ids
        guard let shares = try? encoder.attentionRollout(ids) else { return nil }
        let vocabulary = tokenizer.wordPiece.tokens, prefix = tokenizer.wordPiece.continuingSubwordPrefix
        let special: Set<Int> = [tokenizer.clsID, tokenizer.sepID]
        var words: [(word: String, share: Double)] = []
        for (id, share) in zip(ids, shares) {
            guard id >= 0, id < vocabulary.count, !special.contains(id) else { words.append(("", 0)); continue }
            let piece = vocabulary[id]
            if !prefix.isEmpty, piece.hasPrefix(prefix), let last = words.indices.last, !words[last].word.isEmpty {
                words[last].word += piece.dropFirst(prefix.count); words[last].share += Double(share)
            } else {
                words.append((piece, Double(share)))
            }
        }
        var total: [String: Double] = [:]
        for w in words where w.word.contains(where: { $0.isLetter || $0.isNumber }) { total[w.word, default: 0] += w.share }
        return total.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(top)
            .map { EvidenceItem(feature: Self.evidencePrefix + $0.key, weight: $0.value) }
    }
}
