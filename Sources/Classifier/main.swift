// classifier: the only process that holds a model; batches cleaned emails and runs inference.
// Sockets: PULL from the cleaners, opened only once the model is loaded and warm: connected to each cleaner's bound
// PUSH with --pull-from ENDPOINTS (the replica binds nothing: a Deployment's pods need no stable address), or bound
// with --pull ENDPOINT for cleaners that connect (`cleaner --push`); PUSH connect --push
// (the routers: each email to the one its id hashes to); PUSH connect --control (gateway heartbeats).
// The model is --model DIR, or --registry DIR to serve the registry's promoted version (followed live).
import MailroomClassifierStage
import MailroomRuntime
import MailroomTransformer

// OpenBLAS picks its kernels when it loads: restart once with the best kernels for this CPU if it would not.
BLASRuntime.reexecWithBetterKernelsIfNeeded()

await StageMain.run(stage: "classifier", flags: ["push", "model", "registry", "max-batch", "threads", "precision"],
                    usage: "(--pull-from CLEANER_ENDPOINTS | --pull ENDPOINT) --push ROUTER_ENDPOINTS (--model DIR | --registry DIR) [--max-batch 32] [--threads 2] [--precision fp32|int8|bf16]") { options, logger in
    var precision: Precision?
    if let p = options.string("precision"), !p.isEmpty {
        guard let v = Precision(rawValue: p) else {
            throw OptionsError.invalid(flag: "precision", value: p, expected: "fp32, int8 or bf16 (default: as the checkpoint says)")
        }
        precision = v
    }
    let source: ModelSource
    if let registry = options.string("registry"), !registry.isEmpty {
        source = .registry(registry)
    } else {
        source = .directory(try options.required("model"))
    }
    let stage = ClassifierStage(source: source, maxBatch: try options.int("max-batch", default: 32),
                                threads: try options.int("threads", default: 2), precision: precision, logger: logger)
    // By id: a re-sent email reaches the router that may have published it already (its outbox publishes once).
    return (stage, [.router: .pushByID(options.list("push"))])
}
