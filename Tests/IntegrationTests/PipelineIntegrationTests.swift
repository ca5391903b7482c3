// PipelineIntegrationTests: the whole topology, really started (libzmq over ipc and loopback tcp, SQLite,
// the supervisor): emails through the gateway come back classified and routed, every response matches
// API/openapi.json, and a stage killed mid-stream is restarted without losing an email.
import Foundation
import MailroomTestSupport
import Logging
import MailroomStore
import MailroomTopology
import MailroomTransport
import Testing

@Suite("Pipeline end to end", .serialized, .timeLimit(.minutes(10)))
struct PipelineIntegrationTests {
    @Test("emails flow through all five processes, match the OpenAPI document, and survive a classifier crash")
    func endToEnd() async throws {
        let h = try Harness()
        defer { h.cleanUp() }
        let api = try OpenAPIValidator(path: (Harness.repoRoot as NSString).appendingPathComponent("API/openapi.json"))

        // A small calibrated model on the bundled sample data, with a review target on line of business.
        let registry = try h.servedModel(version: "itest-1", count: 1200, seed: 5, epochs: 4,
                                         trainArguments: ["--review-target", "line_of_business=0.9", "--no-field-selection"])
        let calibration = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: h.path("model/calibration.json")))) as? [String: Any]
        let lobReview = ((calibration?["heads"] as? [String: Any])?["line_of_business"] as? [String: Any])?["review"] as? [String: Any]
        let lobThreshold = try #require(lobReview?["threshold"] as? Double)
        let topology = try h.writeTopology(registry: registry)
        try h.mailroom(["topology", "up", topology, "--bin-dir", Harness.binDirectory])
        defer { _ = try? h.mailroom(["topology", "down", topology]) }

        // Ready only once every stage is up and the model is warm.
        let ready = try await h.eventually(60) { try await h.http("GET", "readyz").0 == 200 }
        #expect(ready, "gateway never became ready")
        let (readyStatus, readyBody) = try await h.http("GET", "readyz")
        #expect(api.violations(readyBody, api.responseSchema(method: "GET", path: "/readyz", status: readyStatus)!).isEmpty)

        // A subscriber on the router's PUB socket, as the CRM connector would be.
        let context = try ZMQContext()
        let subscriber = try EnvelopeReceiver(context: context, kind: .subscribe(), endpoints: .connect("tcp://127.0.0.1:\(h.pubPort)"),
                                              curve: h.curve, logger: Logger(label: "itest"))
        defer { subscriber.stop(); context.terminate() }
        try await Task.sleep(for: .milliseconds(300))  // let the subscription reach the publisher

        // Synchronous batch: every email comes back with three heads, a queue and the model version.
        let emails: [[String: Any]] = (0..<20).map { i in
            i % 3 == 0
                ? ["id": "sync-\(i)", "subject": "Depotübertrag", "body_html": "<p>Guten Tag,</p><p>bitte übertragen Sie mein Depot (Nr. \(i)) zur Sparkasse.</p><div>Mit freundlichen Grüßen<br>Anna</div>", "language": "de"]
                : ["id": "sync-\(i)", "subject": i % 2 == 0 ? "Login geht nicht" : "Tax certificate", "body": "Hello, I cannot find my annual tax certificate for \(2020 + i). Could you send it again?\n\nBest regards\nJohn", "language": "en"]
        }
        let request = ["emails": emails]
        #expect(api.violations(request, api.requestSchema(method: "POST", path: "/v1/classify")!).isEmpty)
        let (status, body) = try await h.http("POST", "v1/classify", json: request)
        #expect(status == 200)
        #expect(api.violations(body, api.responseSchema(method: "POST", path: "/v1/classify", status: status)!) == [])
        let predictions = ((body as? [String: Any])?["predictions"] as? [[String: Any]]) ?? []
        #expect(predictions.map { $0["id"] as? String } == emails.map { $0["id"] as? String })
        for p in predictions {
            let heads = (p["heads"] as? [String: [String: Any]]) ?? [:]
            #expect(heads.keys.sorted() == ["line_of_business", "queue", "topic"])
            #expect(!((p["assigned_queue"] as? String) ?? "").isEmpty)
            #expect(p["model_version"] as? String == "itest-1")
            // The version's own threshold travels on its head and the router applies it; the other heads keep
            // Config/router.rules' thresholds (queue 0.50, topic 0.35).
            #expect(heads["line_of_business"]?["review_threshold"] as? Double == lobThreshold)
            #expect(heads["queue"]?["review_threshold"] == nil)
            let thresholds = ["line_of_business": lobThreshold, "queue": 0.50, "topic": 0.35]
            let low = thresholds.keys.filter { ((heads[$0]?["confidence"] as? Double) ?? 0) < thresholds[$0]! }
            #expect(p["needs_review"] as? Bool == !low.isEmpty, "\(p["id"] ?? "?"): heads under their thresholds \(low)")
        }

        // The model reads the email's custodian bank (mailroom train's default fields; every head, as trained with
        // --no-field-selection): the same text with and without one is classified differently, through cleaner,
        // classifier and router.
        let twins: [[String: Any]] = [
            ["id": "twin-1", "subject": "Frage", "body": "Bitte um Rückruf.", "language": "de", "custodian_bank": "Commerzbank"],
            ["id": "twin-2", "subject": "Frage", "body": "Bitte um Rückruf.", "language": "de"],
        ]
        let (twinStatus, twinBody) = try await h.http("POST", "v1/classify", json: ["emails": twins])
        let twinHeads = (((twinBody as? [String: Any])?["predictions"] as? [[String: Any]]) ?? []).map { $0["heads"] as? [String: [String: Any]] ?? [:] }
        #expect(twinStatus == 200 && twinHeads.count == 2)
        if twinHeads.count == 2 {
            let lob = twinHeads.map { ($0["line_of_business"]?["label"] as? String ?? "", $0["line_of_business"]?["confidence"] as? Double ?? 0) }
            #expect(lob[0] != lob[1], "line of business with and without a custodian bank: \(lob)")
        }

        // Asynchronous submit: 202, then every id is done at GET /v1/emails/{id} and published on PUB.
        let asyncEmails: [[String: Any]] = (0..<10).map { ["id": "async-\($0)", "subject": "Sparplan ändern", "body": "Bitte Sparplan auf 200 EUR erhöhen. Danke"] }
        let (accepted, acceptedBody) = try await h.http("POST", "v1/emails", json: ["emails": asyncEmails])
        #expect(accepted == 202)
        #expect(api.violations(acceptedBody, api.responseSchema(method: "POST", path: "/v1/emails", status: 202)!) == [])
        for e in asyncEmails {
            let id = e["id"] as! String
            let done = try await h.eventually(30) {
                let (s, b) = try await h.http("GET", "v1/emails/\(id)")
                #expect(api.violations(b, api.responseSchema(method: "GET", path: "/v1/emails/{id}", status: s)!) == [])
                return (b as? [String: Any])?["status"] as? String == "done"
            }
            #expect(done, "async email \(id) never finished")
        }
        var published = Set<String>()
        var sequences: [Int64] = []
        var iterator = subscriber.envelopes.makeAsyncIterator()
        let deadline = Date().addingTimeInterval(10)
        while published.count < emails.count + twins.count + asyncEmails.count && Date() < deadline {
            guard let env = await iterator.next() else { break }
            if case .routed(let r) = env.payload {
                #expect(published.insert(r.assignment.id).inserted, "\(r.assignment.id) was published twice")
                #expect(r.email.text.isEmpty, "the PUB socket must not carry email text")
                #expect(env.publication?.topic == "assignments.0")
                sequences.append(env.publication?.sequence ?? -1)
            }
        }
        #expect(published.isSuperset(of: Set(asyncEmails.map { $0["id"] as! String })))
        #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count && !sequences.contains(-1))

        // A subscriber that missed publications asks the snapshot socket for everything after a sequence number.
        let snapshotIDs = try snapshot(context: context, port: h.snapshotPort, curve: h.curve)
        #expect(Set(snapshotIDs).isSuperset(of: published))

        // Feedback is recorded and joined to predictions.
        let (fb, fbBody) = try await h.http("POST", "v1/feedback", json: ["id": "sync-1", "labels": ["queue": "Tax", "topic": "tax_certificate", "line_of_business": "Banking"], "resolution": "sent certificate"])
        #expect(fb == 202)
        #expect(api.violations(fbBody, api.responseSchema(method: "POST", path: "/v1/feedback", status: 202)!) == [])

        // Bad input gets a specific error in the documented shape, and nothing else is lost.
        for (method, path, raw, expected) in [
            ("POST", "v1/classify", Data("{\"emails\": [".utf8), 400),
            ("POST", "v1/classify", Data("{\"emails\": []}".utf8), 422),
            ("POST", "v1/classify", try JSONSerialization.data(withJSONObject: ["emails": (0..<65).map { ["id": "big-\($0)", "body": "x"] }]), 422),
            ("POST", "v1/emails", Data("{\"emails\": [{\"id\": \"\", \"body\": \"x\"}]}".utf8), 422),
            ("POST", "v1/feedback", Data("{\"id\": \"x\"}".utf8), 400),
        ] as [(String, String, Data, Int)] {
            let (s, b) = try await h.http(method, path, rawBody: raw)
            #expect(s == expected, "\(method) \(path) gave \(s), expected \(expected)")
            let schema = try #require(api.responseSchema(method: method, path: "/" + path, status: s),
                                      "\(method) /\(path) answered \(s), which API/openapi.json does not document")
            #expect(api.violations(b, schema) == [])
        }
        let (missing, missingBody) = try await h.http("GET", "v1/emails/never-sent")
        #expect(missing == 404)
        #expect(api.violations(missingBody, api.responseSchema(method: "GET", path: "/v1/emails/{id}", status: 404)!) == [])

        // Kill the classifier mid-stream: the supervisor restarts it and every email still gets its result.
        let before = try TopologyControl.status(topologyPath: topology)
        let classifier = try #require(before.instances.first { $0.id == "classifier-0" })
        let stream: [[String: Any]] = (0..<40).map { ["id": "crash-\($0)", "subject": "Überweisung", "body": "Meine Überweisung vom \($0). ist nicht angekommen."] }
        _ = try await h.http("POST", "v1/emails", json: ["emails": Array(stream[0..<20])])
        kill(try #require(classifier.pid), SIGKILL)
        _ = try await h.http("POST", "v1/emails", json: ["emails": Array(stream[20...])])
        let restarted = try await h.eventually(30) {
            let s = try TopologyControl.status(topologyPath: topology)
            guard let c = s.instances.first(where: { $0.id == "classifier-0" }) else { return false }
            return c.restarts >= 1 && c.pid != classifier.pid && c.state == "running"
        }
        #expect(restarted, "the classifier was not restarted")
        for e in stream {
            let id = e["id"] as! String
            let done = try await h.eventually(60) {
                (try await h.http("GET", "v1/emails/\(id)").1 as? [String: Any])?["status"] as? String == "done"
            }
            #expect(done, "email \(id) was lost after the classifier crash")
        }

        // Kill the gateway and the classifier (SIGKILL) while accepted emails are unfinished: the paused classifier
        // held them in its input queue, so they are gone from the pipeline. The restarted gateway replays its journal,
        // and every email it answered 202 for is done, answered from the journal.
        let paused = try #require(try TopologyControl.status(topologyPath: topology).instances.first { $0.id == "classifier-0" }?.pid)
        kill(paused, SIGSTOP)
        let held: [[String: Any]] = (0..<10).map { ["id": "journal-\($0)", "subject": "Adresse", "body": "Bitte meine Adresse ändern (\($0))."] }
        #expect(try await h.http("POST", "v1/emails", json: ["emails": held]).0 == 202)
        try await Task.sleep(for: .seconds(1))  // the cleaner passes them on to the paused classifier
        let gatewayBefore = try #require(try TopologyControl.status(topologyPath: topology).instances.first { $0.id == "gateway-0" })
        kill(try #require(gatewayBefore.pid), SIGKILL)
        kill(paused, SIGKILL)
        let gatewayBack = try await h.eventually(30) {
            let g = try TopologyControl.status(topologyPath: topology).instances.first { $0.id == "gateway-0" }
            return g?.restarts ?? 0 > gatewayBefore.restarts && g?.pid != gatewayBefore.pid && g?.state == "running"
        }
        #expect(gatewayBack, "the gateway was not restarted")
        for e in held {
            let id = e["id"] as! String
            let done = try await h.eventually(60) {
                (try? await h.http("GET", "v1/emails/\(id)").1 as? [String: Any])??["status"] as? String == "done"
            }
            #expect(done, "email \(id), accepted before the gateway was killed, was lost")
        }

        // Kill the router and the feedback-collector (SIGKILL) with work in flight: every email is done, published
        // once (the router's outbox survives it: no id twice, no gap in the sequence), and stored by the collector.
        let chaos: [[String: Any]] = (0..<30).map { ["id": "chaos-\($0)", "subject": "Kontoauszug", "body": "Bitte senden Sie mir den Kontoauszug \($0)."] }
        let beforeChaos = try TopologyControl.status(topologyPath: topology)
        _ = try await h.http("POST", "v1/emails", json: ["emails": Array(chaos[0..<15])])
        for victim in ["router-0", "feedback-collector-0"] {
            kill(try #require(beforeChaos.instances.first { $0.id == victim }?.pid), SIGKILL)
        }
        _ = try await h.http("POST", "v1/emails", json: ["emails": Array(chaos[15...])])
        for e in chaos {
            let id = e["id"] as! String
            let done = try await h.eventually(90) {
                (try? await h.http("GET", "v1/emails/\(id)").1 as? [String: Any])??["status"] as? String == "done"
            }
            #expect(done, "email \(id) was lost when the router and the collector were killed")
        }
        let publishedOnce = try snapshot(context: context, port: h.snapshotPort, curve: h.curve)
        #expect(publishedOnce.count == Set(publishedOnce).count, "an id was published twice")
        #expect(Set(publishedOnce).isSuperset(of: Set(chaos.map { $0["id"] as! String })))
        let stored = try await h.eventually(60) {
            let store = try FeedbackStore(path: h.path("feedback.sqlite"))
            return try store.counts().predictions >= publishedOnce.count
        }
        #expect(stored, "the feedback store is missing predictions the router published")

        // A new version, trained, registered, approved and promoted while the topology runs, serves new emails.
        try h.mailroom(["train", "--data", h.path("sample.jsonl"), "--out", h.path("model2"), "--epochs", "2", "--model-version", "itest-2"])
        try h.mailroom(["registry", "register", "--registry", registry, "--model", h.path("model2"), "--by", "itest"])
        try h.mailroom(["registry", "approve", "itest-2", "--registry", registry, "--by", "itest"])
        try h.mailroom(["registry", "promote", "itest-2", "--registry", registry])
        var sawNewVersion = false
        for round in 0..<40 where !sawNewVersion {
            let (s, b) = try await h.http("POST", "v1/classify", json: ["emails": [["id": "promo-\(round)", "body": "Bitte Depot auflösen."]]])
            #expect(s == 200)
            let version = (((b as? [String: Any])?["predictions"] as? [[String: Any]])?.first?["model_version"] as? String)
            sawNewVersion = version == "itest-2"
            if !sawNewVersion { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(sawNewVersion, "the promoted version never served")

        // The transformer kind, fine-tuned by `mailroom train --kind transformer` from a tiny HF-format encoder,
        // registered, approved and promoted while the topology runs, serves through the same pipeline.
        let fixture = (Harness.repoRoot as NSString).appendingPathComponent("Tests/Fixtures/transformer/distilbert-cased")
        let encoder = h.path("tiny-encoder")
        try FileManager.default.copyItem(atPath: fixture, toPath: encoder)
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: encoder + "/config.json"))) as! [String: Any]
        config["mailroom"] = nil  // a bare encoder: the trainer makes heads from the data's labels
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: encoder + "/config.json"))
        try h.mailroom(["train", "--kind", "transformer", "--encoder", encoder, "--data", h.path("sample.jsonl"), "--out", h.path("tf"),
                        "--epochs", "1", "--max-length", "64", "--model-version", "tiny-tf-1"])
        try h.mailroom(["registry", "register", "--registry", registry, "--model", h.path("tf"), "--by", "itest"])
        try h.mailroom(["registry", "approve", "tiny-tf-1", "--registry", registry, "--by", "itest"])
        try h.mailroom(["registry", "promote", "tiny-tf-1", "--registry", registry])
        var transformerPrediction: [String: Any]?
        for round in 0..<40 where transformerPrediction == nil {
            let (s, b) = try await h.http("POST", "v1/classify", json: ["emails": [["id": "tf-\(round)", "subject": "Depot", "body": "Bitte mein Depot übertragen, danke!"]]])
            #expect(s == 200)
            let p = ((b as? [String: Any])?["predictions"] as? [[String: Any]])?.first
            if p?["model_version"] as? String == "tiny-tf-1" { transformerPrediction = p } else { try await Task.sleep(for: .milliseconds(250)) }
        }
        let tp = try #require(transformerPrediction, "the promoted transformer never served")
        #expect((tp["heads"] as? [String: Any])?.keys.sorted() == ["line_of_business", "queue", "topic"])
        #expect((tp["token_count"] as? Int ?? 0) > 2)
        try h.mailroom(["registry", "rollback", "--registry", registry, "--reason", "itest"])
        var servedAgain = false
        for round in 0..<40 where !servedAgain {
            let (_, b) = try await h.http("POST", "v1/classify", json: ["emails": [["id": "rb-\(round)", "body": "Adresse ändern bitte."]]])
            servedAgain = ((b as? [String: Any])?["predictions"] as? [[String: Any]])?.first?["model_version"] as? String == "itest-2"
            if !servedAgain { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(servedAgain, "rollback should serve the previous version again")
        #expect(tp["precision"] as? String == "fp32")

        // Its int8 copy (`mailroom quantize`), promoted like any version, serves at int8 where the CPU has an int8
        // kernel (every x86-64 CPU with AVX2), and every prediction says so.
        try h.mailroom(["quantize", "--model", h.path("tf"), "--out", h.path("tf-int8"), "--scheme", "int8"])
        try h.mailroom(["registry", "register", "--registry", registry, "--model", h.path("tf-int8"), "--by", "itest"])
        try h.mailroom(["registry", "approve", "tiny-tf-1-int8", "--registry", registry, "--by", "itest"])
        try h.mailroom(["registry", "promote", "tiny-tf-1-int8", "--registry", registry])
        var int8Prediction: [String: Any]?
        for round in 0..<40 where int8Prediction == nil {
            let (_, b) = try await h.http("POST", "v1/classify", json: ["emails": [["id": "q-\(round)", "body": "Bitte mein Depot übertragen, danke!"]]])
            let p = ((b as? [String: Any])?["predictions"] as? [[String: Any]])?.first
            if p?["model_version"] as? String == "tiny-tf-1-int8" { int8Prediction = p } else { try await Task.sleep(for: .milliseconds(250)) }
        }
        let qp = try #require(int8Prediction, "the promoted int8 copy never served")
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let hasAVX2 = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").contains("avx2") ?? false
        #expect(qp["precision"] as? String == (hasAVX2 ? "int8" : "fp32"))
        #expect((qp["heads"] as? [String: Any])?.keys.sorted() == ["line_of_business", "queue", "topic"])

        // The hybrid kind (the linear and transformer kinds trained together, blended per head on held-out rows)
        // goes through the registry and serves like the others; evidence is returned only to an email that asks.
        try h.mailroom(["train", "--kind", "hybrid", "--encoder", encoder, "--data", h.path("sample.jsonl"), "--out", h.path("hy"),
                        "--epochs", "1", "--max-length", "64", "--model-version", "tiny-hybrid-1"])
        try h.mailroom(["registry", "register", "--registry", registry, "--model", h.path("hy"), "--by", "itest"])
        try h.mailroom(["registry", "approve", "tiny-hybrid-1", "--registry", registry, "--by", "itest"])
        try h.mailroom(["registry", "promote", "tiny-hybrid-1", "--registry", registry])
        var hybridResponse: [[String: Any]]?
        for round in 0..<40 where hybridResponse == nil {
            let (_, b) = try await h.http("POST", "v1/classify", json: ["emails": [
                ["id": "hy-\(round)", "body": "Bitte mein Depot übertragen, danke!", "custodian_bank": "Commerzbank", "evidence": 3],
                ["id": "hy-plain-\(round)", "body": "Bitte mein Depot übertragen, danke!"]]])
            let p = (b as? [String: Any])?["predictions"] as? [[String: Any]]
            if p?.first?["model_version"] as? String == "tiny-hybrid-1" { hybridResponse = p } else { try await Task.sleep(for: .milliseconds(250)) }
        }
        let hp = try #require(hybridResponse, "the promoted hybrid never served")
        let withEvidence = try #require(hp.first?["heads"] as? [String: [String: Any]])
        #expect(withEvidence.keys.sorted() == ["line_of_business", "queue", "topic"])
        for (head, prediction) in withEvidence {
            let items = prediction["evidence"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty && items.count <= 3, "\(head): \(items.count) evidence items")
            #expect(items.allSatisfy { ($0["weight"] as? Double ?? 0) > 0 && !($0["feature"] as? String ?? "").isEmpty })
        }
        let plain = try #require(hp.last?["heads"] as? [String: [String: Any]])
        #expect(plain.values.allSatisfy { $0["evidence"] == nil }, "evidence only when asked for")

        // Metrics are exposed in the Prometheus format.
        let (m, metrics) = try await h.http("GET", "metrics")
        #expect(m == 200)
        let text = (metrics as? [String: Any])?["text"] as? String ?? ""
        #expect(text.contains("mailroom_gateway_end_to_end_seconds_count"))

        // Feedback report sees the closed case.
        let reported = try await h.eventually(10) {
            (try h.mailroom(["feedback", "report", "--database", h.path("feedback.sqlite")])).contains("itest-1")
        }
        #expect(reported)
    }

    @Test("two classifier replicas by editing one number")
    func twoClassifierReplicas() async throws {
        let h = try Harness()
        defer { h.cleanUp() }
        let registry = try h.servedModel(version: "two-1", count: 600, seed: 9, epochs: 2)
        let topology = try h.writeTopology(registry: registry, classifierReplicas: 2)
        try h.mailroom(["topology", "up", topology, "--bin-dir", Harness.binDirectory])
        defer { _ = try? h.mailroom(["topology", "down", topology]) }
        #expect(try await h.eventually(60) { try await h.http("GET", "readyz").0 == 200 })
        let bothReplicasReady = try await h.eventually(30) {
            let (_, ready) = try await h.http("GET", "readyz")
            let classifiers = ((ready as? [String: Any])?["stages"] as? [[String: Any]] ?? []).filter { $0["stage"] as? String == "classifier" }
            return classifiers.filter { $0["ready"] as? Bool == true }.compactMap { $0["replica"] as? Int }.sorted() == [0, 1]
        }
        #expect(bothReplicasReady, "both classifier replicas should report ready")
        // Malformed frames and an unknown schema version sent straight to a stage are rejected and logged; the stage goes on.
        let context = try ZMQContext()
        let rogue = try ZMQSocket(context: context, kind: .push)
        try rogue.set(.lingerMs(1000))
        try rogue.connect("ipc://\(h.path("run"))/cleaner-0.sock")
        #expect(try rogue.send([Data("not json".utf8)]))
        #expect(try rogue.send([Data(#"{"schema_version":99,"type":"email","message_id":"x","trace_id":"t","stamps":[]}"#.utf8), Data("{}".utf8)]))
        rogue.close()
        context.terminate()
        let log = h.path("run/logs/cleaner-0.log")
        #expect(try await h.eventually(10) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").components(separatedBy: "dropped malformed message").count >= 3 },
                "the cleaner should log both rejections")

        let emails = (0..<40).map { ["id": "two-\($0)", "body": "Bitte Freistellungsauftrag ändern, Nr. \($0)"] }
        let (status, body) = try await h.http("POST", "v1/classify", json: ["emails": emails])
        #expect(status == 200)
        #expect(((body as? [String: Any])?["predictions"] as? [Any])?.count == 40)
        let status2 = try TopologyControl.status(topologyPath: topology)
        #expect(status2.instances.filter { $0.id.hasPrefix("classifier-") }.count == 2)
    }

    @Test("two gateway replicas: results reach the replica that took the email, either one answers its status")
    func twoGatewayReplicas() async throws {
        let h = try Harness()
        defer { h.cleanUp() }
        let registry = try h.servedModel(version: "gw-1", count: 600, seed: 13, epochs: 2)
        let topology = try h.writeTopology(registry: registry, gatewayReplicas: 2)
        try h.mailroom(["topology", "up", topology, "--bin-dir", Harness.binDirectory])
        defer { _ = try? h.mailroom(["topology", "down", topology]) }
        for replica in [0, 1] {
            try #require(try await h.eventually(60) { try await h.http("GET", "readyz", replica: replica).0 == 200 },
                         "gateway replica \(replica) never became ready\n\(h.logTails())")
        }

        // Sync classify on each replica: the router sends each result to the replica that is waiting for it.
        for replica in [0, 1] {
            let emails = (0..<20).map { ["id": "sync-\(replica)-\($0)", "body": "Bitte Depot Nr. \($0) übertragen."] }
            let (status, body) = try await h.http("POST", "v1/classify", json: ["emails": emails], replica: replica)
            try #require(status == 200, "classify on replica \(replica) answered \(status): \(body)\n\(h.logTails())")
            #expect(((body as? [String: Any])?["predictions"] as? [Any])?.count == 20)
        }

        // Async on replica 1: done there, and replica 0 answers the same from replica 1's journal.
        let asyncEmails = (0..<10).map { ["id": "async-\($0)", "subject": "Adresse", "body": "Neue Adresse Nr. \($0)"] }
        #expect(try await h.http("POST", "v1/emails", json: ["emails": asyncEmails], replica: 1).0 == 202)
        for e in asyncEmails {
            let id = e["id"]!
            for replica in [1, 0] {
                let done = try await h.eventually(30) {
                    (try await h.http("GET", "v1/emails/\(id)", replica: replica).1 as? [String: Any])?["status"] as? String == "done"
                }
                try #require(done, "\(id), taken by replica 1, is not done when asked at replica \(replica)\n\(h.logTails())")
            }
        }
        // The same id with other content at the other replica is a conflict, as it would be at the first.
        let (conflict, _) = try await h.http("POST", "v1/emails", json: ["emails": [["id": "async-0", "body": "anders"]]], replica: 0)
        #expect(conflict == 409)

        // An outcome sent to replica 1 is acknowledged to replica 1 (its receipt topic) and leaves its journal.
        #expect(try await h.http("POST", "v1/feedback", json: ["id": "async-1", "labels": ["queue": "Client Data"]], replica: 1).0 == 202)
        let acknowledged = try await h.eventually(30) {
            try IntakeJournal(readingFrom: h.path("journal/gateway-1.sqlite")).unsentOutcomes().isEmpty
        }
        #expect(acknowledged, "replica 1 never got the collector's receipt for its outcome")

        // Each email was published once.
        let context = try ZMQContext()
        defer { context.terminate() }
        let published = try snapshot(context: context, port: h.snapshotPort, curve: h.curve)
        #expect(published.count == Set(published).count)
        #expect(Set(published) == Set((0..<20).flatMap { ["sync-0-\($0)", "sync-1-\($0)"] } + asyncEmails.map { $0["id"]! }))
    }
}

/// Every id in the router's stream, in sequence order, read page by page from its snapshot socket; checks that
/// the sequence numbers have no gap.
func snapshot(context: ZMQContext, port: Int, curve: CurveRole?) throws -> [String] {
    var ids: [String] = []
    var after = 0
    while true {
        let socket = try ZMQSocket(context: context, kind: .req)
        defer { socket.close() }
        try socket.set([.receiveTimeoutMs(5000), .lingerMs(0)])
        if let curve { try socket.apply(curve) }
        try socket.connect("tcp://127.0.0.1:\(port)")
        _ = try socket.send([Data("after \(after)".utf8)])
        let page = try #require(try socket.receive(), "the router's snapshot socket did not answer")
        let reply = try #require(try JSONSerialization.jsonObject(with: page[0]) as? [String: Any])
        #expect(reply["topic"] as? String == "assignments.0")
        let items = (reply["assignments"] as? [[String: Any]]) ?? []
        let sequences = items.compactMap { $0["sequence"] as? Int }
        #expect(sequences == Array((after + 1)..<(after + 1 + items.count)), "sequence numbers have a gap")
        ids += items.compactMap { ($0["assignment"] as? [String: Any])?["id"] as? String }
        after += items.count
        if items.isEmpty || after >= (reply["last_sequence"] as? Int ?? 0) { return ids }
    }
}
