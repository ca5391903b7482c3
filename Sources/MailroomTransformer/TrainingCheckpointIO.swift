// TrainingCheckpointIO: writes a TrainingModel's weights as a Mailroom checkpoint (HF base-model names + heads.*,
// loadable by TransformerClassifier and HF transformers) and saves/loads the resumable trainer state
// (latest weights, AdamW moments and step, history) under out/trainer_state/.
import Foundation
import MailroomCore

/// trainer_state/state.json.
struct TrainerStateFile: Codable {
    var magic = "mailroom-trainer-state"
    var version = 1
    var epochsDone: Int
    var step: Int
    var totalSteps: Int
    var bestEpoch: Int
    var bestMeanMacroF1: Double
    var history: [EpochRecord]
    var heads: [HeadSpec]
    var seed: UInt64
    var batchSize: Int
    var freezeEncoder: Bool
}

extension TrainingModel {
    /// Writes `dir` as a checkpoint: model.safetensors (every named tensor, plus `extra` tensors such as the pooler
    /// that training does not touch), config.json from `configJSON` with the `mailroom` object's version set, and the
    /// tokenizer files copied from `tokenizerSource` (when it is another directory).
    func writeCheckpoint(to dir: String, configJSON: [String: Any], version: String,
                         extra: [String: SafetensorsWriter.Tensor], tokenizerSource: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var tensors = extra
        for t in namedTensors() {
            tensors[t.key] = .init(shape: t.shape, values: Array(UnsafeBufferPointer(start: params + t.offset, count: t.count)))
        }
        try SafetensorsWriter.write(tensors, to: (dir as NSString).appendingPathComponent("model.safetensors"))
        var cfg = configJSON
        if var m = cfg["mailroom"] as? [String: Any] { m["version"] = version; cfg["mailroom"] = m }
        let data = try JSONSerialization.data(withJSONObject: cfg, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("config.json")))
        let src = URL(fileURLWithPath: tokenizerSource).standardizedFileURL.path
        guard src != URL(fileURLWithPath: dir).standardizedFileURL.path else { return }
        for f in ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
            let s = (tokenizerSource as NSString).appendingPathComponent(f), d = (dir as NSString).appendingPathComponent(f)
            guard fm.fileExists(atPath: s) else { continue }
            if fm.fileExists(atPath: d) { try fm.removeItem(atPath: d) }
            try fm.copyItem(atPath: s, toPath: d)
        }
    }

    /// Saves the resumable state: `state/model/` (latest weights as a checkpoint), `state/optimizer.safetensors`
    /// (m, v) and `state/state.json`.
    func saveTrainerState(to state: String, optimizer: AdamW, file: TrainerStateFile, configJSON: [String: Any],
                          version: String, extra: [String: SafetensorsWriter.Tensor], tokenizerSource: String) throws {
        try writeCheckpoint(to: (state as NSString).appendingPathComponent("model"), configJSON: configJSON,
                            version: version, extra: extra, tokenizerSource: tokenizerSource)
        try SafetensorsWriter.write(
            ["m": .init(shape: [count], values: Array(UnsafeBufferPointer(start: optimizer.m, count: count))),
             "v": .init(shape: [count], values: Array(UnsafeBufferPointer(start: optimizer.v, count: count)))],
            to: (state as NSString).appendingPathComponent("optimizer.safetensors"))
        var f = file
        f.step = optimizer.step
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        try enc.encode(f).write(to: URL(fileURLWithPath: (state as NSString).appendingPathComponent("state.json")))
    }

    /// Loads AdamW moments saved by ``saveTrainerState(to:optimizer:file:configJSON:version:extra:tokenizerSource:)``.
    func loadOptimizer(from state: String, into optimizer: AdamW, step: Int) throws {
        let r = try SafetensorsReader(path: (state as NSString).appendingPathComponent("optimizer.safetensors"))
        guard r.entries["m"]?.count == count, r.entries["v"]?.count == count else {
            throw TransformerTrainingError.resume("\(state)/optimizer.safetensors does not match the model's \(count) parameters")
        }
        try r.read("m", into: optimizer.m)
        try r.read("v", into: optimizer.v)
        optimizer.step = step
    }
}

/// The folder of a training output directory that holds the resume state (optimizer moments, step, history).
let trainerStateFolder = "trainer_state"

/// Reads trainer_state/state.json from `path` (an output directory or its trainer_state folder); returns the
/// state folder and the file.
func readTrainerState(_ path: String) throws -> (String, TrainerStateFile) {
    let candidates = [(path as NSString).appendingPathComponent(trainerStateFolder), path]
    for dir in candidates {
        let p = (dir as NSString).appendingPathComponent("state.json")
        guard let data = FileManager.default.contents(atPath: p) else { continue }
        let f = try JSONDecoder().decode(TrainerStateFile.self, from: data)
        guard f.magic == "mailroom-trainer-state", f.version == 1 else {
            throw TransformerTrainingError.resume("\(p) is not a Mailroom trainer state (version 1)")
        }
        return (dir, f)
    }
    throw TransformerTrainingError.resume("no trainer_state/state.json under \(path); pass the output directory of an earlier run")
}
