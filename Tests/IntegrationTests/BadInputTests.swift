// BadInputTests: malformed and hostile requests, written byte for byte over real TCP sockets to a running
// topology (HTTP-level, JSON-level, field-level, cleaner and tokenizer bombs). Each kind must get its own
// documented status, while good traffic flows beside them: every good email accepted during the suite is done,
// published once and stored once, and no process crashed.
import Foundation
import Logging
import MailroomStore
import MailroomTestSupport
import MailroomTopology
import MailroomTransport
import Testing

/// One kind of bad input and what the gateway must answer.
struct BadInput: Sendable {
    var name: String
    var chunks: [Data]
    var pause: Double = 0
    /// The status it must get.
    var status: Int
    /// The error `type` in the body (nil: not checked, e.g. NIO's own 400 for an unparsable request).
    var type: String?
    /// Another check on the response; returns what is wrong, or nil.
    var check: (@Sendable (RawResponse) -> String?)?
}

@Suite("Bad input over real sockets", .serialized, .timeLimit(.minutes(15)))
struct BadInputTests {
    @Test("every kind of bad input gets its own answer, and good traffic beside it loses nothing")
    func badInputSuite() async throws {
        let h = try Harness()
        defer { h.cleanUp() }
        let api = try OpenAPIValidator(path: (Harness.repoRoot as NSString).appendingPathComponent("API/openapi.json"))
        let registry = try h.servedModel(version: "bad-1", count: 600, seed: 11, epochs: 2)
        let topology = try h.writeTopology(registry: registry)
        // A short idle timeout, so that a request head that never completes is closed within the test.
        let text = try String(contentsOfFile: topology, encoding: .utf8)
        try text.replacingOccurrences(of: "--api-keys {api_keys}", with: "--api-keys {api_keys} --idle-timeout 3")
            .write(toFile: topology, atomically: true, encoding: .utf8)
        let key = try #require(h.apiKey)
        let reader = try h.mailroom(["api-key", "new", "--keys", h.path("api-keys"), "--name", "reader", "--scopes", "read"])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try h.mailroom(["topology", "up", topology, "--bin-dir", Harness.binDirectory])
        defer { _ = try? h.mailroom(["topology", "down", topology]) }
        #expect(try await h.eventually(60) { try await h.http("GET", "readyz").0 == 200 }, "gateway never became ready")
        let started = try TopologyControl.status(topologyPath: topology)

        // Subscribers on the router's PUB socket: one admitted, one without CURVE, one with a key never admitted.
        let context = try ZMQContext()
        defer { context.terminate() }
        let pub = Endpoints.connect("tcp://127.0.0.1:\(h.pubPort)")
        let serverKey = try CurveDirectory(path: h.path("curve")).serverPublicKey()
        let subscribers = [
            ("admitted", try EnvelopeReceiver(context: context, kind: .subscribe(), endpoints: pub, curve: h.curve, logger: Logger(label: "itest"))),
            ("without CURVE", try EnvelopeReceiver(context: context, kind: .subscribe(), endpoints: pub, logger: Logger(label: "itest"))),
            ("with a key never admitted", try EnvelopeReceiver(context: context, kind: .subscribe(), endpoints: pub,
                                                               curve: .client(serverKey: serverKey, keys: try CurveKeyPair.generate()),
                                                               logger: Logger(label: "itest"))),
        ]
        let counts = subscribers.map { _, receiver in Task { await receiver.envelopes.reduce(0) { n, _ in n + 1 } } }

        // Good traffic: one async email every 100 ms for as long as the bad input lasts.
        let stop = StopFlag()
        let good = Task { () -> [String] in
            var accepted: [String] = []
            var n = 0
            while !stop.isSet {
                let id = "good-\(n)"
                n += 1
                let (s, _) = try await h.http("POST", "v1/emails", json: ["emails": [["id": id, "subject": "Sparplan", "body": "Bitte den Sparplan \(n) auf 100 EUR ändern."]]])
                if s == 202 { accepted.append(id) }
                try await Task.sleep(for: .milliseconds(100))
            }
            return accepted
        }
        // The first good email exists before the cases that re-use its id.
        #expect(try await h.eventually(30) { (try await h.http("GET", "v1/emails/good-0").0) == 200 })

        let cases = BadInputs.all(key: key, readerKey: reader)
        #expect(cases.count >= 40)
        var failures: [String] = []
        for bad in cases {
            let response: RawResponse
            do {
                response = try await RawHTTP.send(port: h.httpPort, bad.chunks, pause: bad.pause)
            } catch {
                failures.append("\(bad.name): \(error)")
                continue
            }
            var problems: [String] = []
            if response.status != bad.status { problems.append("status \(response.status), expected \(bad.status)") }
            if let type = bad.type, response.errorType != type { problems.append("error type \(response.errorType ?? "none"), expected \(type)") }
            if let problem = bad.check?(response) { problems.append(problem) }
            // Every answer the gateway itself gives is in the documented shape (NIO's bare 400s have no body).
            if !response.body.isEmpty, let path = BadInputs.documentedPath(bad.chunks), let method = BadInputs.method(bad.chunks),
               let schema = api.responseSchema(method: method, path: path, status: response.status), let json = response.json {
                let violations = api.violations(json, schema)
                if !violations.isEmpty { problems.append("response breaks API/openapi.json: \(violations)") }
            }
            if !problems.isEmpty { failures.append("\(bad.name): \(problems.joined(separator: "; ")) — \(response)") }
            // The gateway is still there after each one.
            if (try? await h.http("GET", "healthz").0) != 200 { failures.append("\(bad.name): the gateway stopped answering /healthz") }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(cases.count) kinds of bad input got the wrong answer:\n\(failures.joined(separator: "\n"))")

        stop.set()
        let accepted = try await good.value
        #expect(accepted.count >= 20, "only \(accepted.count) good emails were accepted beside the bad input")

        // None of the good traffic was lost: done, published once (no gap), stored by the feedback-collector.
        for id in accepted {
            let done = try await h.eventually(60) {
                (try await h.http("GET", "v1/emails/\(id)").1 as? [String: Any])?["status"] as? String == "done"
            }
            #expect(done, "good email \(id), accepted beside the bad input, never finished")
        }
        let published = try snapshot(context: context, port: h.snapshotPort, curve: h.curve)
        #expect(published.count == Set(published).count, "an id was published twice")
        #expect(Set(published).isSuperset(of: Set(accepted)), "good emails missing from the router's stream")
        for (_, receiver) in subscribers { receiver.stop() }
        var received: [String: Int] = [:]
        for ((name, _), count) in zip(subscribers, counts) { received[name] = await count.value }
        #expect(received["admitted"] ?? 0 >= accepted.count, "the admitted subscriber saw \(received["admitted"] ?? 0) of \(accepted.count)")
        #expect(received["without CURVE"] == 0 && received["with a key never admitted"] == 0, "the router's PUB socket let in \(received)")
        // The snapshot socket does not answer a client without CURVE either.
        let open = try ZMQSocket(context: context, kind: .req)
        try open.set([.receiveTimeoutMs(2000), .lingerMs(0)])
        try open.connect("tcp://127.0.0.1:\(h.snapshotPort)")
        _ = try open.send([Data("after 0".utf8)])
        #expect(try open.receive() == nil, "the snapshot socket answered a client without CURVE")
        open.close()

        let stored = try await h.eventually(60) {
            let store = try FeedbackStore(path: h.path("feedback.sqlite"))
            return try store.counts().predictions >= published.count
        }
        #expect(stored, "the feedback store is missing predictions the router published")

        // Sockets, logs, journals and stores are the user's only.
        for (path, mode) in [("run", 0o700), ("run/logs", 0o700), ("journal", 0o700), ("feedback.sqlite", 0o600),
                             ("journal/gateway-0.sqlite", 0o600), ("api-keys", 0o600)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: h.path(path))
            let actual = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
            #expect(actual == mode, "\(path) has mode \(String(actual, radix: 8)), expected \(String(mode, radix: 8))")
        }

        // No email text in any process's log.
        let logs = h.path("run/logs")
        for name in try FileManager.default.contentsOfDirectory(atPath: logs) {
            let log = (try? String(contentsOfFile: (logs as NSString).appendingPathComponent(name), encoding: .utf8)) ?? ""
            #expect(!log.contains("Bitte den Sparplan") && !log.contains("Depot übertragen"), "\(name) logs email text")
        }

        // No process crashed or was restarted.
        let after = try TopologyControl.status(topologyPath: topology)
        for instance in after.instances {
            let before = started.instances.first { $0.id == instance.id }
            #expect(instance.restarts == before?.restarts && instance.pid == before?.pid && instance.state == "running",
                    "\(instance.id) was restarted during the bad input (restarts \(instance.restarts), last exit \(instance.lastExit?.description ?? "none"))")
        }
    }
}

/// Set once by the test when the bad input is over.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
