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
    ///
    /// A directory with a `calibration.json` (``ModelCalibration``) loads calibrated: its confidences are at each
    /// head's fitted temperature and its predictions carry the review thresholds. `calibrated: false` loads the
    /// model's raw confidences (to fit or compare a calibration).
    /// `precision`: what a transformer's Linear layers run at (nil: as its checkpoint says; see
    /// ``TransformerClassifier/load(directory:threads:precision:releaseFP32Weights:)``; an int8 or bf16 model
    /// releases the fp32 copies of its packed layers, since a loaded model is never re-packed); kinds without the
    /// choice ignore it.
    public static func load(directory: String, threads: Int = 2, calibrated: Bool = true,
                            precision: Precision? = nil) throws -> any TextClassifier {
        let manifest = try ModelManifest.read(directory: directory)
        let model: any TextClassifier
        switch manifest.kind {
        case "linear": model = try LinearModel.load(directory: directory)
        // Served models are never re-packed: an int8 / bf16 model drops its fp32 copies of the packed layers.
        case "transformer": model = try TransformerClassifier.load(directory: directory, threads: threads, precision: precision,
                                                                   releaseFP32Weights: true)
        case "hybrid": model = try HybridClassifier.load(directory: directory, threads: threads, precision: precision,
                                                         releaseFP32Weights: true)
        default: throw ModelError.unknownKind(manifest.kind)
        }
        guard calibrated, let calibration = try ModelCalibration.read(directory: directory, heads: model.heads) else { return model }
        return CalibratedClassifier(model, calibration: calibration)
    }
}
