// Safetensors: reader and writer for the safetensors format (8-byte LE header length, JSON header, raw data).
//
// Format: https://github.com/huggingface/safetensors (README, "Format"). The reader parses only the header and
// reads each tensor with `pread` straight into the caller's buffer (float32) or through a small conversion buffer
// (float16, bfloat16), so loading never holds the whole file and the weights twice.
import Foundation

/// Element types Mailroom reads (`F32`, `F16`, `BF16`; `I8` with a `<key>_scale` tensor, as `mailroom quantize`
/// writes) or skips (everything else, e.g. `I64` position ids).
public enum SafetensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64", i64 = "I64", i32 = "I32", u8 = "U8", i8 = "I8", bool = "BOOL"

    public var byteSize: Int {
        switch self {
        case .f64, .i64: 8
        case .f32, .i32: 4
        case .f16, .bf16: 2
        case .u8, .i8, .bool: 1
        }
    }
    public var isFloat: Bool { self == .f32 || self == .f16 || self == .bf16 }
}

/// One tensor's entry in the header.
public struct SafetensorsEntry: Sendable, Equatable {
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// Byte range in the data section (after the header).
    public var begin: Int, end: Int
    public var count: Int { shape.reduce(1, *) }
}

/// Errors reading or writing safetensors files.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
    case unreadable(String)
    case badHeader(path: String, reason: String)
    case missingTensor(path: String, key: String)
    case notFloat(key: String, dtype: String)

    public var description: String {
        switch self {
        case .unreadable(let p): "cannot open \(p); is the checkpoint complete?"
        case .badHeader(let p, let r): "\(p) is not a valid safetensors file (\(r)); re-save it with safetensors' save_file"
        case .missingTensor(let p, let k): "\(p) has no tensor \"\(k)\""
        case .notFloat(let k, let d): "tensor \"\(k)\" has dtype \(d); only F32, F16, BF16 and I8 with a per-row \"\(k)_scale\" F32 tensor can be read as floats"
        }
    }
}

/// A safetensors file opened for reading: its header in memory, tensors read on demand.
public final class SafetensorsReader {
    public let path: String
    public let entries: [String: SafetensorsEntry]
    public let metadata: [String: String]
    private let fd: Int32
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw SafetensorsError.unreadable(path) }
        var n: UInt64 = 0
        guard pread(fd, &n, 8, 0) == 8 else { close(fd); throw SafetensorsError.badHeader(path: path, reason: "short file") }
        let headerLength = Int(UInt64(littleEndian: n))
        guard headerLength > 1, headerLength < 100_000_000 else {
            close(fd); throw SafetensorsError.badHeader(path: path, reason: "header length \(headerLength)")
        }
        var header = [UInt8](repeating: 0, count: headerLength)
        guard pread(fd, &header, headerLength, 8) == headerLength,
              let obj = try? JSONSerialization.jsonObject(with: Data(header)) as? [String: Any] else {
            close(fd); throw SafetensorsError.badHeader(path: path, reason: "header is not a JSON object")
        }
        dataStart = 8 + headerLength
        var entries: [String: SafetensorsEntry] = [:]
        var metadata: [String: String] = [:]
        for (key, value) in obj {
            if key == "__metadata__" { metadata = value as? [String: String] ?? [:]; continue }
            guard let e = value as? [String: Any], let d = e["dtype"] as? String,
                  let shape = e["shape"] as? [Int], let off = e["data_offsets"] as? [Int], off.count == 2 else {
                close(fd); throw SafetensorsError.badHeader(path: path, reason: "bad entry for \(key)")
            }
            guard let dtype = SafetensorsDType(rawValue: d) else {
                close(fd); throw SafetensorsError.badHeader(path: path, reason: "unknown dtype \(d) for \(key)")
            }
            let entry = SafetensorsEntry(dtype: dtype, shape: shape, begin: off[0], end: off[1])
            guard entry.end - entry.begin == entry.count * dtype.byteSize else {
                close(fd); throw SafetensorsError.badHeader(path: path, reason: "size of \(key) does not match its shape")
            }
            entries[key] = entry
        }
        self.entries = entries; self.metadata = metadata
    }

    deinit { close(fd) }

    /// Whether `key` can be read as floats: F32/F16/BF16, or I8 with a `<key>_scale` F32 tensor of one scale per
    /// row (first dimension).
    public func isFloatReadable(_ key: String) -> Bool {
        guard let e = entries[key] else { return false }
        if e.dtype.isFloat { return true }
        guard e.dtype == .i8, let s = entries[key + "_scale"], s.dtype == .f32, let rows = e.shape.first else { return false }
        return s.shape == [rows]
    }

    /// Whether `key` is the scale tensor of an I8 tensor (read together with it, not on its own).
    public func isScale(_ key: String) -> Bool {
        key.hasSuffix("_scale") && entries[String(key.dropLast(6))]?.dtype == .i8
    }

    /// Reads tensor `key` as float32 into `out` (`entries[key].count` floats), converting F16/BF16 and dequantizing
    /// I8 (`q[r, ·] · scale[r]`, the scales from `<key>_scale`).
    public func read(_ key: String, into out: UnsafeMutablePointer<Float>) throws {
        guard let e = entries[key] else { throw SafetensorsError.missingTensor(path: path, key: key) }
        switch e.dtype {
        case .i8:
            guard isFloatReadable(key), let rows = e.shape.first, rows > 0 else {
                throw SafetensorsError.notFloat(key: key, dtype: e.dtype.rawValue)
            }
            var q = [Int8](repeating: 0, count: e.count)
            try q.withUnsafeMutableBytes { try readBytes($0.baseAddress!, count: e.end - e.begin, at: e.begin) }
            let scales = try floats(key + "_scale"), cols = e.count / rows
            for r in 0..<rows {
                let s = scales[r]
                for c in 0..<cols { out[r * cols + c] = Float(q[r * cols + c]) * s }
            }
        case .f32:
            try readBytes(UnsafeMutableRawPointer(out), count: e.end - e.begin, at: e.begin)
        case .f16, .bf16:
            var raw = [UInt16](repeating: 0, count: e.count)
            try raw.withUnsafeMutableBytes { try readBytes($0.baseAddress!, count: e.end - e.begin, at: e.begin) }
            if e.dtype == .bf16 {
                for i in 0..<e.count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw[i])) << 16) }
            } else {
                for i in 0..<e.count { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw[i]))) }
            }
        default:
            throw SafetensorsError.notFloat(key: key, dtype: e.dtype.rawValue)
        }
    }

    /// Tensor `key` as a float32 array.
    public func floats(_ key: String) throws -> [Float] {
        guard let e = entries[key] else { throw SafetensorsError.missingTensor(path: path, key: key) }
        var out = [Float](repeating: 0, count: e.count)
        try out.withUnsafeMutableBufferPointer { try read(key, into: $0.baseAddress!) }
        return out
    }

    private func readBytes(_ p: UnsafeMutableRawPointer, count: Int, at offset: Int) throws {
        var done = 0
        while done < count {
            let r = pread(fd, p + done, count - done, off_t(dataStart + offset + done))
            guard r > 0 else { throw SafetensorsError.badHeader(path: path, reason: "file ends inside the data") }
            done += r
        }
    }
}

/// Writes tensors (F32, BF16 or I8) as a safetensors file (keys sorted, header padded to 8 bytes, as the Python
/// library does).
public enum SafetensorsWriter {
    /// One tensor to write: its shape, dtype and row-major little-endian bytes.
    public struct Tensor: Sendable {
        public var shape: [Int]
        public var dtype: SafetensorsDType
        var bytes: [UInt8]

        public init(shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) does not match \(values.count) values")
            self.shape = shape; dtype = .f32
            bytes = values.withUnsafeBytes { Array($0) }
        }

        /// An I8 tensor (write its per-row scales as an F32 `<key>_scale` tensor beside it).
        public init(shape: [Int], int8 values: [Int8]) {
            precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) does not match \(values.count) values")
            self.shape = shape; dtype = .i8
            bytes = values.map { UInt8(bitPattern: $0) }
        }

        /// A BF16 tensor from bf16 bit patterns.
        public init(shape: [Int], bf16 values: [UInt16]) {
            precondition(shape.reduce(1, *) == values.count, "tensor shape \(shape) does not match \(values.count) values")
            self.shape = shape; dtype = .bf16
            bytes = values.map(\.littleEndian).withUnsafeBytes { Array($0) }
        }

        /// The values as float32 (an F32 tensor only).
        public var values: [Float] {
            precondition(dtype == .f32, "values of a \(dtype.rawValue) tensor; this is a bug")
            return bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        }
    }

    public static func write(_ tensors: [String: Tensor], to path: String,
                             metadata: [String: String] = ["format": "pt"]) throws {
        let keys = tensors.keys.sorted()
        var header = "{\"__metadata__\":" + jsonObject(metadata)
        var offset = 0
        for k in keys {
            let t = tensors[k]!
            let bytes = t.bytes.count
            header += ",\(jsonString(k)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(t.shape.map(String.init).joined(separator: ","))],"
                + "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var data = Data(capacity: 8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for k in keys { data.append(contentsOf: tensors[k]!.bytes) }
        guard FileManager.default.createFile(atPath: path, contents: data) else { throw SafetensorsError.unreadable(path) }
    }

    private static func jsonString(_ s: String) -> String {
        let d = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
        return String(decoding: d.dropFirst().dropLast(), as: UTF8.self)
    }
    private static func jsonObject(_ m: [String: String]) -> String {
        "{" + m.keys.sorted().map { "\(jsonString($0)):\(jsonString(m[$0]!))" }.joined(separator: ",") + "}"
    }
}
