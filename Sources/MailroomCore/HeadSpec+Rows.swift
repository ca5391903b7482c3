// HeadSpec+Rows: the heads a training set defines (names and label sets), built the same way for every model kind.
import Foundation

extension HeadSpec {
    /// The heads of `rows`: every label key that occurs, sorted by name, each with the labels the rows give it,
    /// sorted (as the PyTorch reference script builds them). Both trainers create their heads with it.
    ///
    /// A head may come out with a single label; a trainer that cannot learn from one says so itself.
    public static func heads(of rows: some Sequence<DatasetRow>) -> [HeadSpec] {
        var labels: [String: Set<String>] = [:]
        for row in rows { for (head, label) in row.labels { labels[head, default: []].insert(label) } }
        return labels.keys.sorted().map { HeadSpec(name: $0, labels: labels[$0]!.sorted()) }
    }
}
