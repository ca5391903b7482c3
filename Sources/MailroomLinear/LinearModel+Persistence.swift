// LinearModel+Persistence: config.json (manifest + feature settings) and the binary weights file.
import Foundation
import MailroomCore

/// The `linear` object of a linear model's config.json.
struct LinearConfig: Codable {
    var features: FeatureParameters
    var featureCount: Int
    var weightsFile: String
    var formatVersion: Int

    enum CodingKeys: String, CodingKey {
        case features
        case featureCount = "feature_count", weightsFile = "weights_file", formatVersion = "format_version"
    }
}

/// Weights file layout (little-endian), version 1:
///
///     magic "MRLW" · u32 version · u32 F · u32 H
///     u32 bucket[F] · f32 idf[F]
///     H × ( u32 K · f32 bias[K] · f32 weights[F·K] row-major (F, K) )   heads in manifest order
enum WeightsFile {
    static let name = "weights.bin"
    static let magic: [UInt8] = Array("MRLW".utf8)
    static let version: UInt32 = 1
}

extension LinearModel {
    private struct ConfigFile: Codable {
        var mailroom: ModelManifest
        var linear: LinearConfig
    }

    /// Writes `config.json` and `weights.bin` into `directory` (created if missing).
    public func save(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = ConfigFile(mailroom: manifest,
                                linear: LinearConfig(features: featureParameters, featureCount: featureCount,
                                                     weightsFile: WeightsFile.name,
                                                     formatVersion: Int(WeightsFile.version)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(config).write(to: URL(fileURLWithPath: path(directory, "config.json")), options: .atomic)

        var data = Data(WeightsFile.magic)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
        func floats(_ a: [Float]) {
            let bits = a.map { $0.bitPattern.littleEndian }
            bits.withUnsafeBytes { data.append(contentsOf: $0) }
        }
        u32(WeightsFile.version); u32(UInt32(featureCount)); u32(UInt32(headWeights.count))
        space.buckets.map(\.littleEndian).withUnsafeBytes { data.append(contentsOf: $0) }
        floats(space.idf)
        for h in headWeights { u32(UInt32(h.classCount)); floats(h.bias); floats(h.weights) }
        try data.write(to: URL(fileURLWithPath: path(directory, WeightsFile.name)), options: .atomic)
    }

    /// Loads a model saved by ``save(to:)``.
    ///
    /// Throws ``ModelError`` when the directory or its config is missing or unreadable, and
    /// ``LinearError`` when it holds another kind of model or the weights file does not match the config.
    public static func load(directory: String) throws -> LinearModel {
        let manifest = try ModelManifest.read(directory: directory)
        guard manifest.kind == "linear" else { throw LinearError.wrongKind(directory: directory, kind: manifest.kind) }
        let configPath = path(directory, "config.json")
        let config: LinearConfig
        do {
            config = try JSONDecoder().decode(ConfigFile.self, from: Data(contentsOf: URL(fileURLWithPath: configPath))).linear
        } catch {
            throw ModelError.badConfig(path: configPath, reason: "no valid \"linear\" object: \(JSONL.describe(error))")
        }
        let weightsPath = path(directory, config.weightsFile)
        guard let data = FileManager.default.contents(atPath: weightsPath) else { throw ModelError.missingFile(weightsPath) }
        var reader = ByteReader(data: data, path: weightsPath)
        guard try reader.bytes(4) == WeightsFile.magic else { throw LinearError.badWeights(path: weightsPath, reason: "bad magic number") }
        let version = try reader.u32()
        guard version == WeightsFile.version else {
            throw LinearError.badWeights(path: weightsPath, reason: "format version \(version), this build reads \(WeightsFile.version)")
        }
        let f = Int(try reader.u32()), h = Int(try reader.u32())
        guard f == config.featureCount, h == manifest.heads.count else {
            throw LinearError.badWeights(path: weightsPath,
                                         reason: "holds \(f) features and \(h) heads, config.json says \(config.featureCount) and \(manifest.heads.count)")
        }
        let buckets = try reader.u32s(f)
        guard buckets.allSatisfy({ Int($0) < config.features.buckets }) else {
            throw LinearError.badWeights(path: weightsPath, reason: "a bucket id exceeds \(config.features.buckets)")
        }
        let idf = try reader.floats(f)
        var heads: [HeadWeights] = []
        for spec in manifest.heads {
            let k = Int(try reader.u32())
            guard k == spec.labels.count else {
                throw LinearError.badWeights(path: weightsPath, reason: "head \(spec.name) has \(k) outputs, config.json lists \(spec.labels.count) labels")
            }
            let bias = try reader.floats(k)
            heads.append(HeadWeights(spec: spec, weights: try reader.floats(f * k), bias: bias))
        }
        guard reader.atEnd else { throw LinearError.badWeights(path: weightsPath, reason: "trailing bytes after the last head") }
        let space = FeatureSpace(hasher: FeatureHasher(parameters: config.features), buckets: buckets, idf: idf)
        return LinearModel(version: manifest.version, space: space, heads: heads)
    }

    private static func path(_ directory: String, _ file: String) -> String {
        (directory as NSString).appendingPathComponent(file)
    }
    private func path(_ directory: String, _ file: String) -> String { Self.path(directory, file) }
}

/// Reads little-endian values from a weights file, failing with ``LinearError/badWeights(path:reason:)``.
private struct ByteReader {
    let data: Data
    let path: String
    var offset = 0
    var atEnd: Bool { offset == data.count }

    mutating func bytes(_ n: Int) throws -> [UInt8] {
        guard n >= 0, offset + n <= data.count else {
            throw LinearError.badWeights(path: path, reason: "file ends early (truncated at byte \(data.count))")
        }
        defer { offset += n }
        return Array(data[data.startIndex + offset ..< data.startIndex + offset + n])
    }

    mutating func u32s(_ n: Int) throws -> [UInt32] {
        let b = try bytes(n * 4)
        return b.withUnsafeBytes { raw in (0..<n).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) } }
    }

    mutating func u32() throws -> UInt32 { try u32s(1)[0] }
    mutating func floats(_ n: Int) throws -> [Float] { try u32s(n).map { Float(bitPattern: $0) } }
}
