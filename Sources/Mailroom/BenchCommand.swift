// mailroom bench: transformer inference throughput (sequences/s and tokens/s) over batch sizes and lengths.
import ArgumentParser
import Foundation
import MailroomTransformer

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure a transformer model's throughput for given batch sizes and lengths.")

    @Option(help: "Transformer model directory.") var model: String
    @Option(help: "Comma-separated batch sizes.") var batchSizes: String = "1,8,32"
    @Option(help: "Comma-separated sequence lengths (tokens).") var lengths: String = "64,128,256"
    @Option(help: "Seconds to measure each point.") var seconds: Double = 3
    @Option(help: "Compute threads.") var threads: Int = 2
    @Option(help: "What the Linear layers run at: fp32, int8 or bf16 (default: as the checkpoint says). MAILROOM_KERNEL=avx2|avx-vnni|avx512-vnni|amx-int8|avx512-bf16|amx-bf16 forces a kernel.")
    var precision: Precision?

    func run() throws {
        func ints(_ s: String, _ flag: String) throws -> [Int] {
            let v = s.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !v.isEmpty, v.allSatisfy({ $0 > 0 }) else { throw CLIError("--\(flag) \(s): expected positive integers separated by commas") }
            return v
        }
        let classifier = try TransformerClassifier.load(directory: model, threads: threads, precision: precision)
        note("bench: \(model), \(threads) threads, OpenBLAS kernels \(BLASRuntime.coreName), Linear layers \(classifier.encoder.quantization.summary); CPU kernels available: \(KernelPath.supported.map(\.rawValue).joined(separator: ", "))")
        print("batch  length  sequences/s  tokens/s  ms/batch")
        let bench = InferenceBenchmark(batchSizes: try ints(batchSizes, "batch-sizes"), lengths: try ints(lengths, "lengths"),
                                       seconds: seconds, fullLastLayer: false)
        _ = try bench.run(model: classifier) { p in
            print(String(format: "%5d  %6d  %11.2f  %8.0f  %8.1f", p.batchSize, p.length, p.sequencesPerSecond, p.tokensPerSecond, p.secondsPerBatch * 1000))
        }
    }
}

extension Precision: ExpressibleByArgument {}
