// TokenizerParityTests: token ids identical to Hugging Face's (fast tokenizer) on every fixture text.
import Foundation
import MailroomTokenizer
import MailroomTestSupport
import Testing

/// expected.json written by Tests/Fixtures/transformer/make-transformer-fixtures.py.
struct TokenizerFixture: Decodable {
    var magic: String
    var version: Int
    var max_length: Int
    var texts: [String]
    var input_ids: [[Int]]
    var full_ids: [[Int]]
    var truncated: [Bool]
}

let fixtureRoot = RepositoryPaths.fixtures("transformer")

func readFixture(_ dir: String) throws -> TokenizerFixture {
    let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json"))
    let f = try JSONDecoder().decode(TokenizerFixture.self, from: data)
    #expect(f.magic == "mailroom-transformer-fixture" && f.version == 1,
            "regenerate with Tests/Fixtures/transformer/make-transformer-fixtures.py")
    return f
}

@Suite struct TokenizerParityTests {
    /// Every checkpoint and tokenizer-only fixture directory (MiniLM is tested with the transformer).
    static let directories = ["distilbert-cased", "bert-uncased", "bert-cased-bf16", "distilbert-uncased-f16",
                              "tokenizers/uncased-keep-accents", "tokenizers/cased-strip-accents",
                              "tokenizers/uncased-on-cased-vocab"]

    @Test(arguments: directories)
    func idsMatchHuggingFace(_ name: String) throws {
        let dir = fixtureRoot + "/" + name
        let tok = try BertTokenizer.load(directory: dir)
        let f = try readFixture(dir)
        for (i, text) in f.texts.enumerated() {
            let full = tok.encode(text)
            #expect(full.ids == f.full_ids[i], "\(name) text \(i) (no truncation): \(text.debugDescription)")
            #expect(full.truncated == false)
            let cut = tok.encode(text, maxLength: f.max_length)
            #expect(cut.ids == f.input_ids[i], "\(name) text \(i) (max_length \(f.max_length))")
            #expect(cut.truncated == f.truncated[i], "\(name) text \(i) truncation flag")
        }
    }

    @Test func characterCapKeepsWholeWordsAndFlagsTruncation() throws {
        let tok = try BertTokenizer.load(directory: fixtureRoot + "/bert-uncased")
        let text = String(repeating: "Guten Tag ", count: 1000)
        let capped = tok.encode(text, maxLength: 512, maxCharacters: 203)
        let reference = tok.encode(String(text.prefix(200)), maxLength: 512)
        #expect(capped.ids == reference.ids)
        #expect(capped.truncated)
        // With a cap well past max_length tokens, the ids equal those of the whole text.
        #expect(tok.encode(text, maxLength: 40, maxCharacters: 2000).ids == tok.encode(text, maxLength: 40).ids)
    }

    @Test func normalizerSettings() {
        var s = Array("Größe Ärger ẞ É\u{0301}\u{0007}\tx".unicodeScalars)
        BertNormalizer(lowercase: false).normalize(&s)
        #expect(String(String.UnicodeScalarView(s)) == "Größe Ärger ẞ É\u{0301} x")
        s = Array("Größe Ärger ẞ".unicodeScalars)
        BertNormalizer(lowercase: true).normalize(&s)
        #expect(String(String.UnicodeScalarView(s)) == "große arger ß")
        s = Array("Größe".unicodeScalars)
        BertNormalizer(stripAccents: false, lowercase: true).normalize(&s)
        #expect(String(String.UnicodeScalarView(s)) == "größe")
    }
}
