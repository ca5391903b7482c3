// mailroom quantize: an int8 or bf16 checkpoint from an fp32 transformer checkpoint, with an optional calibration
// on sample rows (static activation scales and the per-layer error report).
import ArgumentParser
import Foundation
import MailroomCleaner
import MailroomCore
import MailroomTransformer

struct QuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Write an int8 (or bf16) copy of a transformer checkpoint that the classifier, predict and bench load directly.",
        discussion: """
        int8: every Linear layer of the encoder gets int8 weights with one fp32 scale per output channel (I8 tensors \
        with an F32 <name>_scale beside each, under the HF names); activations are quantized per row at run time, or \
        with static per-layer scales from --calibrate and --activations static. bf16: the Linear weights as BF16. \
        Embeddings, layer norms and the classification heads stay fp32.

        With --calibrate ROWS.jsonl (emails or dataset rows, e.g. a sample of the training rows), the command runs \
        the texts at fp32, then with each Linear layer quantized alone, and prints each layer's logit error against \
        fp32, worst first, so sensitive layers can be kept in fp32 with --keep-fp32 NAMES or --keep-worst N. The \
        report is also written to OUT/quantization-report.json.
        """)

    @Option(help: "The fp32 transformer checkpoint directory.") var model: String
    @Option(help: "Where to write the quantized checkpoint (created; must differ from --model).") var out: String
    @Option(help: "int8 or bf16.") var scheme: Precision = .int8
    @Option(help: "Calibration rows (JSONL emails or dataset rows): measure per-layer error and activation ranges on them.")
    var calibrate: String?
    @Option(help: "Rows drawn (seeded) from --calibrate.") var calibrationRows: Int = 64
    @Option(help: "int8 activations: dynamic (a scale per row at run time, the default) or static (the calibrated per-layer scales; needs --calibrate).")
    var activations: String = "dynamic"
    @Option(help: "Linear layers to keep in fp32, comma-separated (names as the report prints them, e.g. transformer.layer.5.ffn.lin2).")
    var keepFp32: String = ""
    @Option(help: "With --calibrate: also keep in fp32 the N layers whose error alone is largest on the calibration rows (worst first in the report).")
    var keepWorst: Int = 0
    @Option(help: "Model version of the copy (default: the original's with -int8 / -bf16 appended).") var version: String?
    @Option(help: "Compute threads for the calibration runs.") var threads: Int = 2
    @Option(help: "Seed of the calibration sample.") var seed: UInt64 = 0

    func run() throws {
        guard scheme != .fp32 else { throw CLIError("--scheme fp32: a quantized copy needs int8 or bf16") }
        guard ["dynamic", "static"].contains(activations) else { throw CLIError("--activations \(activations): expected dynamic or static") }
        guard activations == "dynamic" || (scheme == .int8 && calibrate != nil) else {
            throw CLIError("--activations static needs --scheme int8 and --calibrate ROWS.jsonl (the scales come from those rows)")
        }
        guard keepWorst == 0 || calibrate != nil else { throw CLIError("--keep-worst needs --calibrate ROWS.jsonl (the layers are ranked on those rows)") }
        guard keepWorst >= 0 else { throw CLIError("--keep-worst \(keepWorst): expected 0 or more layers") }
        guard (1...100_000).contains(calibrationRows) else { throw CLIError("--calibration-rows \(calibrationRows): expected 1 to 100000") }
        let keep = keepFp32.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if (try? ModelManifest.read(directory: model))?.kind == "hybrid" {
            throw CLIError("--model \(model) is a hybrid: quantize its transformer part (copy the hybrid directory, then mailroom quantize --model \(model)/transformer --out COPY/transformer, with a new version in COPY/config.json), or run it narrow as it is with --precision int8|bf16 (predict, evaluate, the classifier)")
        }
        let model = try TransformerClassifier.load(directory: model, threads: threads, precision: .fp32)
        let names = model.encoder.linearNames
        if let bad = keep.first(where: { !names.contains($0) }) {
            throw CLIError("--keep-fp32 \(bad) is not a Linear layer of this model; its layers are \(names.first!) … \(names.last!)")
        }
        var plan = QuantizationPlan(precision: scheme, fp32Layers: keep)
        if let calibrate {
            var emails = try JSONL.read(Email.self, from: calibrate)
            guard !emails.isEmpty else { throw CLIError("--calibrate \(calibrate) has no rows") }
            var rng = SeededGenerator(seed: seed)
            rng.shuffle(&emails)
            let cleaner = EmailCleaner()
            let inputs = emails.prefix(calibrationRows).map { cleaner.prepare($0).input }
            note("quantize: calibrating on \(inputs.count) of \(emails.count) rows of \(calibrate)")
            let scales = scheme == .int8 ? try TransformerQuantizer.calibrate(model, inputs: inputs) : [:]
            let runs = names.count - keep.count + (scheme == .int8 ? 2 : 1)  // each narrow layer alone, then the whole plan
            let bar = ProgressReporter(label: "quantize: per-layer error", total: runs, unit: "runs")
            let report = try TransformerQuantizer.report(model, inputs: inputs, plan: plan, staticScales: scales) { done, _ in
                bar.update(done)
            }
            bar.finish()
            print(report.table)
            if activations == "static" { plan.activationScales = scales }
            plan = report.keepingWorst(keepWorst, in: plan)
            let worst = report.mostSensitive(keepWorst).map(\.layer)
            if !worst.isEmpty { note("quantize: keeping in fp32 the \(worst.count) most sensitive: \(worst.joined(separator: ", "))") }
            try write(model: model, plan: plan, report: report)
        } else {
            try write(model: model, plan: plan, report: nil)
        }
    }

    private func write(model: TransformerClassifier, plan: QuantizationPlan, report: QuantizationReport?) throws {
        let version = self.version ?? "\(model.version)-\(scheme)"
        let sizes = try TransformerQuantizer.write(model: self.model, plan: plan, version: version, out: out)
        if let report {
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            try enc.encode(report).write(to: URL(fileURLWithPath: (out as NSString).appendingPathComponent("quantization-report.json")))
        }
        // Load it back as the classifier will, so a bad copy fails here and not in production.
        let copy = try TransformerClassifier.load(directory: out, threads: threads)
        let mb = { (b: Int) in String(format: "%.1f MB", Double(b) / 1_000_000) }
        note("quantize: wrote \(out) (version \(version)): model.safetensors \(mb(sizes.written)), was \(mb(sizes.original)); loads as \(copy.encoder.quantization.summary)")
    }
}
