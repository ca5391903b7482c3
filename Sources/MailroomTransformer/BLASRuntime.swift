// BLASRuntime: which OpenBLAS kernels run, and a fix for CPUs that OpenBLAS does not recognise.
//
// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) picks its kernels when the library loads. On CPUs newer than it knows
// (e.g. Intel Emerald Rapids, model 207) it falls back to the SSE3 "Prescott" kernels, about 4x slower than the
// AVX-512 ones the CPU can run. OPENBLAS_CORETYPE chooses the kernels, but only before the library loads, so an
// executable re-executes itself once with the variable set.
import COpenBLAS
import Foundation

/// OpenBLAS kernel selection.
public enum BLASRuntime {
    /// The kernel family OpenBLAS uses in this process ("Cooperlake", "Haswell", "Prescott", …).
    public static var coreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    /// Kernel families in order of capability (for x86-64).
    static let ranks = ["prescott": 0, "core2": 0, "nehalem": 1, "sandybridge": 2, "haswell": 3, "zen": 3,
                        "skylakex": 4, "cooperlake": 5, "sapphirerapids": 6]

    /// The OPENBLAS_CORETYPE that fits this CPU better than the kernels OpenBLAS picked, or nil when the pick is
    /// fine, the variable is already set, or the CPU flags cannot be read.
    public static func suggestedCoreType(environment: [String: String] = ProcessInfo.processInfo.environment,
                                         cpuFlags: Set<String>? = nil) -> String? {
        if environment["OPENBLAS_CORETYPE"] != nil { return nil }
        guard let flags = cpuFlags ?? readCPUFlags() else { return nil }
        let best: String
        if flags.isSuperset(of: ["avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512_bf16"]) { best = "Cooperlake" }
        else if flags.isSuperset(of: ["avx512f", "avx512vl", "avx512bw", "avx512dq"]) { best = "SkylakeX" }
        else if flags.isSuperset(of: ["avx2", "fma"]) { best = "Haswell" }
        else { return nil }
        let current = ranks[coreName.lowercased()] ?? Int.max
        return ranks[best.lowercased()]! > current ? best : nil
    }

    /// Re-executes the current program with OPENBLAS_CORETYPE set when ``suggestedCoreType(environment:cpuFlags:)``
    /// has a better kernel; returns (doing nothing) otherwise or if the exec fails. Call it first thing in `main`.
    public static func reexecWithBetterKernelsIfNeeded() {
        guard let type = suggestedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", type, 1)
        let args = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // Only reached if exec failed: carry on with the kernels we have.
        for p in argv { free(p) }
    }

    static func readCPUFlags() -> Set<String>? {
        guard let s = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return nil }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
