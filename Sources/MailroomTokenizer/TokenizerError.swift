// TokenizerError: what can go wrong loading a tokenizer, with what to do about it.

/// Errors loading a BERT-family tokenizer from a checkpoint directory.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case noTokenizer(directory: String)
    case unreadable(String)
    case unsupported(path: String, what: String)
    case missingToken(String)

    public var description: String {
        switch self {
        case .noTokenizer(let d):
            "\(d) has neither tokenizer.json nor vocab.txt; copy the encoder's tokenizer files into the checkpoint directory"
        case .unreadable(let p): "cannot read \(p) as UTF-8 JSON/text; is the file complete?"
        case .unsupported(let p, let w):
            "\(p): \(w); Mailroom supports BERT-family WordPiece tokenizers (BertNormalizer, BertPreTokenizer, WordPiece)"
        case .missingToken(let t): "the vocabulary has no \"\(t)\" token; is this a BERT/DistilBERT vocabulary?"
        }
    }
}
