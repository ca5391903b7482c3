// StageMetrics: what one stage replica exposes on its own GET /metrics (`--metrics-port`): its counters, the
// envelopes waiting at its input, batch sizes and handling time, the model it serves and its handler's figures.
// The stage runtime records into it; the HTTP listener (StageMetricsServer) reads it from any thread.
import Synchronization

public final class StageMetrics: Sendable {
    /// Handling time bounds in seconds (a cleaner batch takes milliseconds, a transformer batch up to seconds).
    public static let secondsBounds = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Batch size bounds (envelopes per handler call).
    public static let batchBounds: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]

    private struct State {
        var readiness = StageReadiness(ready: false)
        var batchSize = PrometheusHistogram(bounds: StageMetrics.batchBounds)
        var batchSeconds = PrometheusHistogram(bounds: StageMetrics.secondsBounds)
        var waiting: @Sendable () -> Int = { 0 }
    }

    public let stage: String
    public let replica: Int
    /// The runtime's counters for this stage.
    public let counters: StageCounters
    private let state = Mutex(State())

    public init(stage: String, replica: Int, counters: StageCounters = StageCounters()) {
        self.stage = stage; self.replica = replica; self.counters = counters
    }

    /// Whether the handler last reported ready (the listener's /readyz).
    public var ready: Bool { state.withLock { $0.readiness.ready } }

    func record(readiness: StageReadiness) { state.withLock { $0.readiness = readiness } }

    func record(batch: Int, seconds: Double) {
        state.withLock { $0.batchSize.observe(Double(batch)); $0.batchSeconds.observe(seconds) }
    }

    /// Where the queue-depth gauge reads from: envelopes taken off the socket, not yet handed to the handler.
    func measureWaiting(_ body: @escaping @Sendable () -> Int) { state.withLock { $0.waiting = body } }

    /// The Prometheus text exposition.
    public func render() -> String {
        let (readiness, batchSize, batchSeconds, waiting) = state.withLock { ($0.readiness, $0.batchSize, $0.batchSeconds, $0.waiting) }
        let c = counters.snapshot
        let labels = ["stage": stage, "replica": String(replica)]
        var text = PrometheusText()
        text.family("mailroom_stage_ready", .gauge, help: "1 when this replica's handler is ready (model loaded, store open).")
        text.sample("mailroom_stage_ready", labels: labels, readiness.ready ? 1 : 0)
        text.family("mailroom_stage_queue_depth", .gauge,
                    help: "Envelopes this replica has taken off its input and not yet handled (at most one batch).")
        text.sample("mailroom_stage_queue_depth", labels: labels, Double(waiting()))
        let counted: [(String, Int, String)] = [
            ("mailroom_stage_handled_total", c.handled, "Envelopes handed to the handler."),
            ("mailroom_stage_sent_total", c.sent, "Envelopes sent on to the next stage."),
            ("mailroom_stage_rejected_total", c.rejected, "Input messages that were not a valid envelope."),
            ("mailroom_stage_failed_total", c.failed, "Emails that failed on their own (reported to the gateway)."),
            ("mailroom_stage_handed_back_total", c.handedBack, "Outputs a full side output handed back to keep."),
            ("mailroom_stage_lost_total", c.lost, "Outputs unsent when shutdown gave up on the next stage."),
        ]
        for (name, value, help) in counted {
            text.family(name, .counter, help: help)
            text.sample(name, labels: labels, Double(value))
        }
        batchSize.render(into: &text, name: "mailroom_stage_batch_size", help: "Envelopes per handler call.", labels: labels)
        batchSeconds.render(into: &text, name: "mailroom_stage_batch_seconds",
                            help: "Time the handler spent on one batch (the classifier: inference latency per batch).",
                            labels: labels)
        if let version = readiness.modelVersion {
            text.family("mailroom_model_info", .gauge, help: "The model version this replica serves (value 1).")
            var info = labels
            info["version"] = version
            if let shadow = readiness.shadowVersion { info["shadow"] = shadow }
            text.sample("mailroom_model_info", labels: info, 1)
        }
        for (name, value) in (readiness.figures ?? [:]).sorted(by: { $0.key < $1.key }) {
            guard let help = StageFigures.families[name] else { continue }  // only declared figures, as the gateway
            text.family(name, name.hasSuffix("_total") ? .counter : .gauge, help: help)
            text.sample(name, labels: labels, value)
        }
        return text.rendered
    }
}
