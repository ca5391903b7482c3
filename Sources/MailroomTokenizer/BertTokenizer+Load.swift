// BertTokenizer+Load: reads tokenizer.json, or vocab.txt + tokenizer_config.json, from a checkpoint directory.
//
// Settings follow transformers' BertTokenizer defaults (do_lower_case true, strip_accents nil = follow lowercase,
// tokenize_chinese_chars true) and the BertConverter that turns them into a fast tokenizer.
import Foundation

extension BertTokenizer {
    /// Loads the tokenizer of an HF checkpoint directory: `tokenizer.json` when present, else `vocab.txt`
    /// with the options of `tokenizer_config.json`.
    public static func load(directory: String) throws -> BertTokenizer {
        let fm = FileManager.default
        let json = (directory as NSString).appendingPathComponent("tokenizer.json")
        let vocabPath = (directory as NSString).appendingPathComponent("vocab.txt")
        let configPath = (directory as NSString).appendingPathComponent("tokenizer_config.json")
        let config = fm.fileExists(atPath: configPath) ? try readObject(configPath) : [:]
        if fm.fileExists(atPath: json) { return try load(tokenizerJSON: json, config: config) }
        guard fm.fileExists(atPath: vocabPath) else { throw TokenizerError.noTokenizer(directory: directory) }
        return try load(vocab: WordPiece.readVocabFile(vocabPath), config: config)
    }

    /// `vocab.txt` + `tokenizer_config.json` (slow-tokenizer options).
    static func load(vocab: [(String, Int)], config: [String: Any]) throws -> BertTokenizer {
        let lower = config["do_lower_case"] as? Bool ?? true
        let normalizer = BertNormalizer(cleanText: true,
                                        handleChineseChars: config["tokenize_chinese_chars"] as? Bool ?? true,
                                        stripAccents: config["strip_accents"] as? Bool, lowercase: lower)
        let name = { (key: String, fallback: String) -> String in tokenName(config[key]) ?? fallback }
        let unk = name("unk_token", "[UNK]"), cls = name("cls_token", "[CLS]"), sep = name("sep_token", "[SEP]")
        let pad = name("pad_token", "[PAD]"), mask = name("mask_token", "[MASK]")
        let wp = try WordPiece(vocab: vocab, unkToken: unk)
        let vocab = { (t: String) in wp.id(of: t) }
        var added: [AddedToken] = []
        for t in [pad, unk, cls, sep, mask] { if let id = vocab(t) { added.append(AddedToken(content: t, id: id)) } }
        guard let clsID = vocab(cls) else { throw TokenizerError.missingToken(cls) }
        guard let sepID = vocab(sep) else { throw TokenizerError.missingToken(sep) }
        return BertTokenizer(wordPiece: wp, normalizer: normalizer, addedTokens: added,
                             clsID: clsID, sepID: sepID, padID: vocab(pad) ?? 0)
    }

    /// A fast tokenizer's `tokenizer.json`.
    static func load(tokenizerJSON path: String, config: [String: Any]) throws -> BertTokenizer {
        let root = try readObject(path)
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "WordPiece",
              let rawVocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.unsupported(path: path, what: "the model is not WordPiece")
        }
        let wp = try WordPiece(vocab: rawVocab.compactMap { k, v in (v as? Int).map { (k, $0) } }, unkToken: model["unk_token"] as? String ?? "[UNK]",
                               continuingSubwordPrefix: model["continuing_subword_prefix"] as? String ?? "##",
                               maxInputCharsPerWord: model["max_input_chars_per_word"] as? Int ?? 100)
        guard let norm = root["normalizer"] as? [String: Any], norm["type"] as? String == "BertNormalizer" else {
            throw TokenizerError.unsupported(path: path, what: "the normalizer is not BertNormalizer")
        }
        let lower = norm["lowercase"] as? Bool ?? true
        let normalizer = BertNormalizer(cleanText: norm["clean_text"] as? Bool ?? true,
                                        handleChineseChars: norm["handle_chinese_chars"] as? Bool ?? true,
                                        stripAccents: norm["strip_accents"] as? Bool, lowercase: lower)
        guard let pre = root["pre_tokenizer"] as? [String: Any], pre["type"] as? String == "BertPreTokenizer" else {
            throw TokenizerError.unsupported(path: path, what: "the pre-tokenizer is not BertPreTokenizer")
        }
        var added: [AddedToken] = []
        for case let t as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
            guard let content = t["content"] as? String, let id = t["id"] as? Int else { continue }
            if t["normalized"] as? Bool ?? false {
                throw TokenizerError.unsupported(path: path, what: "added token \"\(content)\" is normalized")
            }
            added.append(AddedToken(content: content, id: id, lstrip: t["lstrip"] as? Bool ?? false,
                                    rstrip: t["rstrip"] as? Bool ?? false))
        }
        var (clsID, sepID) = (wp.id(of: tokenName(config["cls_token"]) ?? "[CLS]"),
                              wp.id(of: tokenName(config["sep_token"]) ?? "[SEP]"))
        if let post = root["post_processor"] as? [String: Any] {
            switch post["type"] as? String {
            case "BertProcessing":
                clsID = (post["cls"] as? [Any])?.last as? Int ?? clsID
                sepID = (post["sep"] as? [Any])?.last as? Int ?? sepID
            case "TemplateProcessing":
                let single = post["single"] as? [[String: Any]] ?? []
                let specials = post["special_tokens"] as? [String: [String: Any]] ?? [:]
                let idOf = { (piece: [String: Any]?) -> Int? in
                    guard let name = (piece?["SpecialToken"] as? [String: Any])?["id"] as? String else { return nil }
                    return (specials[name]?["ids"] as? [Int])?.first
                }
                clsID = idOf(single.first) ?? clsID
                sepID = idOf(single.last) ?? sepID
            default:
                throw TokenizerError.unsupported(path: path, what: "unknown post_processor \(post["type"] ?? "nil")")
            }
        }
        guard let cls = clsID else { throw TokenizerError.missingToken("[CLS]") }
        guard let sep = sepID else { throw TokenizerError.missingToken("[SEP]") }
        return BertTokenizer(wordPiece: wp, normalizer: normalizer, addedTokens: added, clsID: cls, sepID: sep,
                             padID: wp.id(of: tokenName(config["pad_token"]) ?? "[PAD]") ?? 0)
    }

    /// A token in tokenizer_config.json is a string or `{"content": …}`.
    static func tokenName(_ value: Any?) -> String? {
        if let s = value as? String { return s }
        return (value as? [String: Any])?["content"] as? String
    }

    static func readObject(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
              let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.unreadable(path)
        }
        return obj
    }
}
