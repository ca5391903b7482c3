// QuantizedLinear: a Linear layer's weights packed once at load for Mailroom's own int8 or bf16 kernels
// (CMailroomKernels), and the forward pass that quantizes (int8) or rounds (bf16) the activations per call.
//
// Key: N = rows (tokens), K = input features, M = output features; weights in PyTorch's (out, in) layout,
// `out (N, M) (+)= in (N, K) · W (M, K)ᵀ` like ``matmulForward``.
import CMailroomKernels
import Foundation

/// The arithmetic the encoder's Linear layers run at. Layer norm, softmax, GELU and attention scores stay fp32.
public enum Precision: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// OpenBLAS sgemm on the fp32 weights.
    case fp32
    /// int8 weights (per-output-channel symmetric scales) × int8 activations (per-row dynamic scales, or static
    /// scales from calibration), int32 accumulation.
    case int8
    /// bf16 weights × bf16 activations, fp32 accumulation.
    case bf16

    public var description: String { rawValue }
}

/// One of the kernel implementations, by instruction set.
public enum KernelPath: String, Sendable, CaseIterable, CustomStringConvertible {
    case reference, avx2, avxVNNI = "avx-vnni", avx512VNNI = "avx512-vnni", amxInt8 = "amx-int8",
         avx512BF16 = "avx512-bf16", amxBF16 = "amx-bf16"

    var c: mr_path {
        switch self {
        case .reference: MR_PATH_REFERENCE
        case .avx2: MR_PATH_AVX2
        case .avxVNNI: MR_PATH_AVX_VNNI
        case .avx512VNNI: MR_PATH_AVX512_VNNI
        case .amxInt8: MR_PATH_AMX_INT8
        case .avx512BF16: MR_PATH_AVX512_BF16
        case .amxBF16: MR_PATH_AMX_BF16
        }
    }

    public var description: String { rawValue }
    /// Whether this CPU (and OS, for AMX) can run it.
    public var isSupported: Bool { mr_path_supported(c) != 0 }
    /// The precision it computes (the reference serves both; it reports int8).
    public var precision: Precision { self == .avx512BF16 || self == .amxBF16 ? .bf16 : .int8 }
    var unsignedActivations: Bool { mr_path_unsigned_activations(c) != 0 }
    /// The int8 weight range the path reads: ±63 on AVX2 (7-bit weights keep its int16 step exact), else ±127.
    var weightMax: Int { Int(mr_path_weight_max(c)) }

    /// The paths of `precision`, fastest first (the plain-C reference is never chosen for serving).
    public static func preference(for precision: Precision) -> [KernelPath] {
        switch precision {
        case .fp32: []
        case .int8: [.amxInt8, .avx512VNNI, .avxVNNI, .avx2]
        case .bf16: [.amxBF16, .avx512BF16]
        }
    }

    /// The path `precision` runs on here: `MAILROOM_KERNEL` (a path name) when set and it fits, else the first
    /// supported one in ``preference(for:)``; nil when none is supported (the layer then stays fp32).
    public static func chosen(for precision: Precision,
                              environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KernelPath? {
        if let name = environment["MAILROOM_KERNEL"], !name.isEmpty {
            guard let p = KernelPath(rawValue: name) else {
                throw TransformerError.invalidInput("MAILROOM_KERNEL=\(name) is not a kernel; use one of \(allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard p.precision == precision || p == .reference else {
                throw TransformerError.invalidInput("MAILROOM_KERNEL=\(name) computes \(p.precision), not \(precision)")
            }
            guard p.isSupported else {
                throw TransformerError.invalidInput("MAILROOM_KERNEL=\(name): this CPU cannot run it (supported: \(supported.map(\.rawValue).joined(separator: ", ")))")
            }
            return p
        }
        return preference(for: precision).first(where: \.isSupported)
    }

    /// Every path this machine can run.
    public static var supported: [KernelPath] { allCases.filter(\.isSupported) }
}

/// The per-output-channel symmetric int8 form of an (M, K) weight: q[m, k] = round(w[m, k] / s[m]) in [-Q, Q],
/// s[m] = max_k |w[m, k]| / Q (1 for an all-zero row); Q = 127, or 63 for the AVX2 path.
struct Int8Weight {
    var values: [Int8]
    var scales: [Float]

    init(values: [Int8], scales: [Float]) { self.values = values; self.scales = scales }

    init(quantizing w: UnsafePointer<Float>, M: Int, K: Int, max q: Int = 127) {
        precondition((1...127).contains(q), "int8 weight range ±\(q); this is a bug")
        var values = [Int8](repeating: 0, count: M * K), scales = [Float](repeating: 1, count: M)
        let Q = Float(q)
        for m in 0..<M {
            let row = w + m * K
            var mx: Float = 0
            for k in 0..<K { mx = max(mx, abs(row[k])) }
            let s: Float = mx > 0 ? mx / Q : 1
            scales[m] = s
            for k in 0..<K { values[m * K + k] = Int8(max(-Q, min(Q, (row[k] / s).rounded(.toNearestOrEven)))) }
        }
        self.values = values; self.scales = scales
    }
}

/// A Linear layer's weight packed for one kernel path. Immutable after init; `forward` may run on any thread.
final class PackedLinear: @unchecked Sendable {
    let M: Int, K: Int
    let path: KernelPath
    /// int8: a fixed activation scale for every row (static calibration); nil: per-row dynamic scales.
    let activationScale: Float?
    private let packed: UnsafeMutableRawPointer
    private let colsum: UnsafeMutablePointer<Int32>
    private let wscale: UnsafeMutablePointer<Float>

    /// int8 or bf16 (the reference path computes either).
    let precision: Precision
    /// Calibration (``TransformerQuantizer/calibrate``): while true, int8 forward passes with dynamic scales record
    /// the largest |activation| they quantized in ``observedAbsMax``. Set by one thread between forward passes.
    var observing = false
    private(set) var observedAbsMax: Float = 0
    /// Bytes of the packed weights (what this layer costs in memory besides its fp32 copy).
    var bytes: Int { precision == .int8 ? mr_s8_packed_bytes(Int32(M), Int32(K)) : mr_bf16_packed_bytes(Int32(M), Int32(K)) }

    /// Packs the fp32 weight `w (M, K)` for `path` (int8: quantized per output channel first, to ±`weightMax`,
    /// by default the path's own range). `precision` is the path's own; only the reference path takes either.
    init(weight w: UnsafePointer<Float>, M: Int, K: Int, path: KernelPath, precision: Precision? = nil,
         activationScale: Float? = nil, weightMax: Int? = nil) {
        let precision = precision ?? path.precision
        precondition(M > 0 && K > 0 && path.isSupported && precision != .fp32 && (path == .reference || precision == path.precision),
                     "packing \(M)×\(K) for \(path) at \(precision); this is a bug")
        self.M = M; self.K = K; self.path = path; self.precision = precision; self.activationScale = activationScale
        let Mp = (M + 15) / 16 * 16
        colsum = .allocate(capacity: Mp); colsum.initialize(repeating: 0, count: Mp)
        wscale = .allocate(capacity: Mp); wscale.initialize(repeating: 1, count: Mp)
        if precision == .int8 {
            let q = Int8Weight(quantizing: w, M: M, K: K, max: min(weightMax ?? path.weightMax, path.weightMax))
            let n = mr_s8_packed_bytes(Int32(M), Int32(K))
            packed = .allocate(byteCount: n, alignment: 64)
            q.values.withUnsafeBufferPointer { mr_s8_pack($0.baseAddress!, Int32(M), Int32(K), packed.assumingMemoryBound(to: Int8.self), colsum) }
            wscale.update(from: q.scales, count: M)
        } else {
            let n = mr_bf16_packed_bytes(Int32(M), Int32(K))
            packed = .allocate(byteCount: n, alignment: 64)
            mr_bf16_pack(w, Int32(M), Int32(K), packed.assumingMemoryBound(to: UInt16.self))
        }
    }

    deinit { packed.deallocate(); colsum.deallocate(); wscale.deallocate() }

    /// `out (N, ·)` columns `rows.lowerBound ..< rows.upperBound` (+)= inp (N, K) · W[rows]ᵀ, where column m of `out`
    /// is output feature m (pass `out` as the start of the full-width row). `ldIn`/`ldOut` are row strides.
    /// Output blocks are split over `threads`.
    func forward(_ out: FloatPtr, _ inp: UnsafePointer<Float>, N: Int, ldIn: Int? = nil, ldOut: Int? = nil,
                 accumulate: Bool, rows: Range<Int>? = nil, threads: Int) {
        let rows = rows ?? 0..<M
        precondition(N >= 0 && rows.lowerBound >= 0 && rows.upperBound <= M, "packed Linear with bad rows; this is a bug")
        if N == 0 || rows.isEmpty { return }
        let ldIn = ldIn ?? K, ldOut = ldOut ?? M
        // The kernels start at a multiple of 16 output features: an unaligned start runs from the block's start into
        // scratch, then the wanted columns are added or copied.
        let start = rows.lowerBound / 16 * 16
        if start != rows.lowerBound {
            let width = rows.upperBound - start
            let tmp = FloatPtr.allocate(capacity: N * width)
            defer { tmp.deallocate() }
            forward(tmp - start, inp, N: N, ldIn: ldIn, ldOut: width, accumulate: false, rows: start..<rows.upperBound,
                    threads: threads)
            let skip = rows.lowerBound - start
            for n in 0..<N {
                let o = out + n * ldOut + rows.lowerBound, t = UnsafePointer(tmp + n * width + skip)
                if accumulate { addInto(o, t, count: rows.count) } else { o.update(from: t, count: rows.count) }
            }
            return
        }
        let blocks = (rows.count + 15) / 16
        let o = SendablePointer(out), me = self
        if precision == .int8 {
            let KP = Int(mr_s8_padded_k(Int32(K)))
            let buffer = ScratchPool.shared.take(bytes: N * KP + 4 * N + 64)
            defer { ScratchPool.shared.give(buffer) }
            let s = buffer.pointer.bindMemory(to: Float.self, capacity: N)
            let q = (buffer.pointer + (4 * N + 63) / 64 * 64).bindMemory(to: UInt8.self, capacity: N * KP)
            let qp = SendablePointer(q), sp = SendablePointer(s), ip = SendablePointer(UnsafeMutablePointer(mutating: inp))
            let (K, fixed, offset) = (K, activationScale ?? 0, path.unsignedActivations ? Int32(1) : 0)
            parallelChunks(N, threads: threads) { r in
                mr_s8_quantize_rows(ip.p + r.lowerBound * ldIn, Int32(r.count), Int32(K), Int32(ldIn), fixed, offset,
                                    qp.p + r.lowerBound * KP, sp.p + r.lowerBound)
            }
            if observing && activationScale == nil {  // a row's dynamic scale is its max |x| / 127
                for n in 0..<N { observedAbsMax = max(observedAbsMax, s[n] * 127) }
            }
            parallelChunks(blocks, threads: threads) { b in
                let m0 = rows.lowerBound + 16 * b.lowerBound, m1 = min(rows.upperBound, rows.lowerBound + 16 * b.upperBound)
                let rc = mr_s8_gemm(me.path.c, qp.p, sp.p, Int32(N), Int32(me.K), me.packed.assumingMemoryBound(to: Int8.self),
                                    me.colsum, me.wscale, Int32(me.M), Int32(m0), Int32(m1), o.p, Int32(ldOut), accumulate ? 1 : 0)
                precondition(rc == 0, "int8 kernel \(me.path) failed (out of memory?)")
            }
        } else {
            let KP = Int(mr_bf16_padded_k(Int32(K)))
            let buffer = ScratchPool.shared.take(bytes: 2 * N * KP)
            defer { ScratchPool.shared.give(buffer) }
            let a = buffer.pointer.bindMemory(to: UInt16.self, capacity: N * KP)
            let ap = SendablePointer(a), ip = SendablePointer(UnsafeMutablePointer(mutating: inp)), K = K
            parallelChunks(N, threads: threads) { r in
                mr_bf16_convert_rows(ip.p + r.lowerBound * ldIn, Int32(r.count), Int32(K), Int32(ldIn), ap.p + r.lowerBound * KP)
            }
            parallelChunks(blocks, threads: threads) { b in
                let m0 = rows.lowerBound + 16 * b.lowerBound, m1 = min(rows.upperBound, rows.lowerBound + 16 * b.upperBound)
                let rc = mr_bf16_gemm(me.path.c, ap.p, Int32(N), Int32(me.K), me.packed.assumingMemoryBound(to: UInt16.self),
                                      Int32(me.M), Int32(m0), Int32(m1), o.p, Int32(ldOut), accumulate ? 1 : 0)
                precondition(rc == 0, "bf16 kernel \(me.path) failed (out of memory?)")
            }
        }
    }
}

/// Reused buffers for the quantized (or bf16) activations of ``PackedLinear/forward``: a fresh multi-megabyte
/// allocation per call cost page faults and zeroing on every Linear of every batch. Any thread may take one; a
/// buffer is used by one call at a time and given back after it.
final class ScratchPool: @unchecked Sendable {
    static let shared = ScratchPool()
    struct Buffer { let pointer: UnsafeMutableRawPointer, bytes: Int }
    private var free: [Buffer] = []
    private let lock = NSLock()
    /// Buffers kept for reuse (more are freed when given back): enough for a few encoders running at once.
    private let keep = 8

    /// A 64-byte-aligned buffer of at least `bytes` (contents undefined).
    func take(bytes: Int) -> Buffer {
        lock.lock()
        if let i = free.firstIndex(where: { $0.bytes >= bytes }) {
            let b = free.remove(at: i); lock.unlock(); return b
        }
        lock.unlock()
        let size = max(bytes, 1 << 16)
        return Buffer(pointer: .allocate(byteCount: size, alignment: 64), bytes: size)
    }

    func give(_ b: Buffer) {
        lock.lock()
        free.append(b)
        var dropped: [Buffer] = []
        if free.count > keep { free.sort { $0.bytes > $1.bytes }; dropped = Array(free.suffix(from: keep)); free.removeLast(free.count - keep) }
        lock.unlock()
        for d in dropped { d.pointer.deallocate() }
    }
}

/// `out (N, M) (+)= inp (N, K) · weight (M, K)ᵀ`, on the packed kernels when the layer has them, else OpenBLAS.
@inline(__always)
func linearForward(_ out: FloatPtr, _ inp: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, _ packed: PackedLinear?,
                   N: Int, K: Int, M: Int, ldIn: Int? = nil, ldOut: Int? = nil, accumulate: Bool, threads: Int) {
    if let packed {
        packed.forward(out, inp, N: N, ldIn: ldIn, ldOut: ldOut, accumulate: accumulate, threads: threads)
    } else {
        matmulForward(out, inp, weight, N: N, K: K, M: M, ldIn: ldIn, ldOut: ldOut, accumulate: accumulate)
    }
}
