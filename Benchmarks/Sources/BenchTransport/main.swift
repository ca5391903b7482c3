// BenchTransport: the executable behind Benchmarks/bench-transport (ZeroMQ transport and SQLite store figures).
// Usage (via the script): BenchTransport SCRATCH_DIR   — prints one "name value unit" line per figure.
import Foundation
import Logging
import MailroomCore
import MailroomStore
import MailroomTransport

let scratch = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : NSTemporaryDirectory()
let env = ProcessInfo.processInfo.environment
let rawCount = Int(env["BENCH_RAW_MESSAGES"] ?? "") ?? 200_000
let envelopeCount = Int(env["BENCH_ENVELOPES"] ?? "") ?? 50_000
let roundTrips = Int(env["BENCH_ROUND_TRIPS"] ?? "") ?? 10_000
let storeRows = Int(env["BENCH_STORE_ROWS"] ?? "") ?? 20_000
let logger = Logger(label: "bench")

func report(_ name: String, _ value: Double, _ unit: String) {
    print(name, String(format: "%.1f", value), unit)
}

func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// PUSH → PULL over ipc, 1 KB single-frame messages, receiver on its own thread.
func rawThroughput() throws {
    let ctx = try ZMQContext()
    let endpoint = "ipc://\(scratch)/raw"
    let pull = try ZMQSocket(context: ctx, kind: .pull)
    try pull.bind(endpoint)
    let done = DispatchSemaphore(value: 0)
    let n = rawCount
    let start = DispatchTime.now()
    Thread {
        do {
            let push = try ZMQSocket(context: ctx, kind: .push)
            try push.connect(endpoint)
            let frame = [Data(repeating: 0x61, count: 1024)]
            for _ in 0..<n { try push.send(frame) }
            push.close()
        } catch { print("push failed: \(error)") }
        done.signal()
    }.start()
    for _ in 0..<n { _ = try pull.receive() }
    report("raw_push_pull_1KB", Double(n) / seconds(since: start), "msg/s")
    done.wait()
    pull.close()
}

/// One-hop latency: ping-pong over two PUSH/PULL pairs; one hop = round trip / 2.
func latency() throws {
    let ctx = try ZMQContext()
    let (a, b) = ("ipc://\(scratch)/ping", "ipc://\(scratch)/pong")
    let n = roundTrips
    let ready = DispatchSemaphore(value: 0)
    Thread {
        do {
            let pull = try ZMQSocket(context: ctx, kind: .pull)
            try pull.bind(a)
            let push = try ZMQSocket(context: ctx, kind: .push)
            try push.connect(b)
            ready.signal()
            for _ in 0..<n { try push.send(try pull.receive()!) }
            push.close(); pull.close()
        } catch { print("echo failed: \(error)") }
    }.start()
    ready.wait()
    let pull = try ZMQSocket(context: ctx, kind: .pull)
    try pull.bind(b)
    let push = try ZMQSocket(context: ctx, kind: .push)
    try push.connect(a)
    var hopsUs: [Double] = []
    let frame = [Data(repeating: 0x61, count: 1024)]
    for _ in 0..<n {
        let t = DispatchTime.now()
        try push.send(frame)
        _ = try pull.receive()
        hopsUs.append(seconds(since: t) * 1e6 / 2)
    }
    hopsUs.sort()
    report("one_hop_p50_1KB", hopsUs[hopsUs.count / 2], "us")
    report("one_hop_p99_1KB", hopsUs[hopsUs.count * 99 / 100], "us")
    push.close(); pull.close()
}

/// EnvelopeSender → EnvelopeReceiver: encode, queue, send, receive, decode, deliver to an async consumer.
func envelopeThroughput() async throws {
    let ctx = try ZMQContext()
    let endpoint = "ipc://\(scratch)/envelopes"
    let receiver = try EnvelopeReceiver(context: ctx, endpoints: .bind(endpoint), logger: logger)
    let sender = try EnvelopeSender(context: ctx, endpoints: .connect(endpoint), logger: logger)
    let body = String(repeating: "Please confirm the transfer. ", count: 35)  // ≈ 1 KB
    let n = envelopeCount
    let start = DispatchTime.now()
    let producer = Task {
        for i in 0..<n {
            let email = CleanedEmail(id: "mail-\(i)", subject: "Transfer", text: body, language: "en")
            try await sender.send(Envelope(messageID: email.id, traceID: "t", payload: .cleaned(email))
                .stamped(stage: "bench", replica: 0))
        }
    }
    var received = 0
    for await _ in receiver.envelopes {
        received += 1
        if received == n { break }
    }
    report("envelope_push_pull_1KB", Double(n) / seconds(since: start), "msg/s")
    try await producer.value
    sender.close()
    receiver.stop()
}

/// Feedback store: predictions + outcomes in batches of 100 per transaction, then the joined read.
func store() throws {
    let path = "\(scratch)/feedback.sqlite"
    let store = try FeedbackStore(path: path)
    let n = storeRows
    let start = DispatchTime.now()
    for batch in stride(from: 0, to: n, by: 100) {
        try store.inTransaction {
            for i in batch..<min(n, batch + 100) {
                let id = "mail-\(i)"
                let email = CleanedEmail(id: id, subject: "Transfer", text: "Please confirm the transfer.")
                let prediction = Prediction(id: id, modelVersion: "v1", heads: [
                    "intent": HeadPrediction(label: "payment", confidence: 0.9),
                    "urgency": HeadPrediction(label: "high", confidence: 0.7)])
                try store.record(email: email, assignment: Assignment(
                    id: id, assignedQueue: "payments", needsReview: false, lowConfidenceHeads: [],
                    prediction: prediction))
                try store.record(Outcome(id: id, labels: ["intent": "payment", "urgency": "low"], resolution: "done"))
            }
        }
    }
    report("store_record_pairs_batch100", Double(n) / seconds(since: start), "pairs/s")
    let read = DispatchTime.now()
    let cases = try store.closedCases()
    precondition(cases.count == n, "bench: expected \(n) closed cases, got \(cases.count)")
    report("store_closed_cases_read", Double(n) / seconds(since: read), "rows/s")
}

try rawThroughput()
try latency()
try await envelopeThroughput()
try store()
