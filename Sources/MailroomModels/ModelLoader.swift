// ModelLoader: opens a model directory of any kind behind the one TextClassifier protocol.
import Foundation
import MailroomCore
import MailroomLinear
import MailroomTransformer

/// Loads model directories by the `kind` their `config.json` declares.
public enum ModelLoader {
    /// Loads the model in `directory`.
    /// - Parameters:
    ///   - directory: a directory written by `mailroom train` (or a Mailroom transformer checkpoint).
    ///   - threads: compute threads for kinds that use them (transformer).
    public static func load(directory: String, threads: Int = 2) throws -> any TextClassifier {
        let manifest = try ModelManifest.read(directory: directory)
        switch manifest.kind {
        case "linear": return try LinearModel.load(directory: directory)
        case "transformer": return try TransformerClassifier.load(directory: directory, threads: threads)
        default: throw ModelError.unknownKind(manifest.kind)
        }
    }
}
