// BenchInference: the Mailroom side of Benchmarks/bench-inference (built in release by that script).
// Usage: BenchInference --encoder DIR [--threads 2] [--batch-sizes 1,8,32] [--lengths 64,128,256] [--seconds 3]
//        [--full-last-layer] [--precision fp32|int8|bf16]
// Prints one JSON line per point, then one with weight / activation bytes and the process's peak RSS.
import Foundation
import MailroomTransformer

BLASRuntime.reexecWithBetterKernelsIfNeeded()
var options: [String: String] = [:]
var flags = Set<String>()
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    if a == "--full-last-layer" { flags.insert(a) } else if let v = args.popFirst() { options[a] = v }
}
func ints(_ value: String?, _ fallback: String) -> [Int] { (value ?? fallback).split(separator: ",").compactMap { Int($0) } }

/// Writes one line to stdout unbuffered (the driver script reads lines as they come).
func print(line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

/// A /proc/self/status size in bytes: VmHWM (peak resident set) or VmRSS (resident now).
func status(_ field: String) -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = s.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}
func peakRSS() -> Int { status("VmHWM") }

guard let dir = options["--encoder"] else { fatalError("--encoder DIR is required") }
let name = options["--name"] ?? (dir as NSString).lastPathComponent
let rssBefore = peakRSS()
let encoder = try TransformerEncoder.load(directory: dir, threads: Int(options["--threads"] ?? "2") ?? 2)
let precisionName = options["--precision"] ?? "fp32"
guard let precision = Precision(rawValue: precisionName) else { fatalError("--precision must be fp32, int8 or bf16") }
try encoder.apply(QuantizationPlan(precision: precision))
let released = encoder.releasePackedFP32Weights()  // as a served model does (ModelLoader)
let rssAfterLoad = status("VmRSS")
let kernels = encoder.quantization.summary
let bench = InferenceBenchmark(batchSizes: ints(options["--batch-sizes"], "1,8,32"), lengths: ints(options["--lengths"], "64,128,256"),
                               seconds: Double(options["--seconds"] ?? "3") ?? 3,
                               fullLastLayer: flags.contains("--full-last-layer"))
let runtime = (flags.contains("--full-last-layer") ? "mailroom-full" : "mailroom")
    + (precision == .fp32 ? "" : "-\(precision)")
_ = try bench.run(encoder: encoder) { p in
    print(line: "{\"runtime\":\"\(runtime)\",\"model\":\"\(name)\",\"batch\":\(p.batchSize),\"length\":\(p.length),"
          + "\"seq_per_s\":\(p.sequencesPerSecond),\"tokens_per_s\":\(p.tokensPerSecond),\"latency_ms\":\(p.secondsPerBatch * 1000),\"kernels\":\"\(kernels)\"}")
}
print(line: "{\"runtime\":\"\(runtime)\",\"model\":\"\(name)\",\"memory\":true,\"weights_bytes\":\(encoder.parameterBytes),"
      + "\"activation_bytes\":\(encoder.activationBytes),\"blas_core\":\"\(BLASRuntime.coreName)\",\"peak_rss_bytes\":\(peakRSS()),\"rss_before_load\":\(rssBefore),"
      + "\"rss_after_load\":\(rssAfterLoad),\"released_bytes\":\(released),\"rss_at_end\":\(status("VmRSS"))}")
