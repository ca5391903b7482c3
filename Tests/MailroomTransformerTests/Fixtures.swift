// Fixtures: reading the reference files that Tests/Fixtures/transformer/make-transformer-fixtures.py writes.
import Foundation
import MailroomTestSupport
import Testing

/// expected.json of a fixture directory.
struct ModelFixture: Decodable {
    var magic: String
    var version: Int
    var max_length: Int
    var texts: [String]
    var input_ids: [[Int]]
    var full_ids: [[Int]]
    var truncated: [Bool]
    var logits: [String: [[Float]]]?
    var cls_hidden: [[Float]]?

    static let root = RepositoryPaths.fixtures("transformer")

    static func read(_ dir: String) throws -> ModelFixture {
        let f = try JSONDecoder().decode(ModelFixture.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/expected.json")))
        #expect(f.magic == "mailroom-transformer-fixture" && f.version == 1,
                "regenerate with Tests/Fixtures/transformer/make-transformer-fixtures.py")
        return f
    }
}

/// Largest absolute difference between two equally long vectors.
func maxAbsDiff(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared vectors differ in length")
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}
