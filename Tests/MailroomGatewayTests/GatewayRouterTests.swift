// GatewayRouterTests: the HTTP API as a client sees it, through HummingbirdTesting's router client (no sockets, no
// processes): every GatewayError status with its JSON body and, where the error passes with time, Retry-After;
// every response checked against API/openapi.json.
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MailroomCore
import MailroomGateway
import MailroomTestSupport
import Synchronization
import Testing

/// A pipeline that answers at once (every email routed to "Tax"), never answers, or fails to send.
final class ScriptedPort: PipelinePort {
    enum Behaviour: Sendable { case answer, silent, full, broken }
    let behaviour: Behaviour
    let dispatcher = Mutex<Dispatcher?>(nil)
    init(_ behaviour: Behaviour) { self.behaviour = behaviour }

    func sendEmail(_ email: Email, traceID: String) throws {
        switch behaviour {
        case .answer:
            let d = dispatcher.withLock { $0 }
            Task { await d?.deliver(assignment(email.id)) }
        case .silent: break
        case .full: throw GatewayError.pipelineFull(capacity: 1024)
        case .broken: throw CocoaError(.fileWriteUnknown)
        }
    }
    func sendOutcome(_ outcome: Outcome) throws {
        if behaviour == .broken { throw CocoaError(.fileWriteUnknown) }
    }
}

/// One response: status, headers and the decoded JSON body (nil for non-JSON bodies).
struct Reply {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var json: Any?
    var text: String
    /// `error.type` of an error body.
    var errorType: String? { ((json as? [String: Any])?["error"] as? [String: Any])?["type"] as? String }
}

struct Gateway {
    let dispatcher: Dispatcher
    let api = try! OpenAPIValidator()
    var policy = EdgePolicy()

    init(_ behaviour: ScriptedPort.Behaviour, limits: DispatcherLimits = .init(), journal: JournalFile? = nil) {
        let port = ScriptedPort(behaviour)
        dispatcher = try! Dispatcher(port: port, journalPath: journal?.path, limits: limits)
        port.dispatcher.withLock { $0 = dispatcher }
    }

    /// Sends one request through the gateway's router and checks the reply against the OpenAPI document
    /// (`template`: the documented path, e.g. `/v1/emails/{id}`).
    /// `documented: false` for answers the document cannot list per operation (405 and 404 for unknown paths).
    func call(_ method: HTTPRequest.Method, _ path: String, template: String? = nil, body: String? = nil,
              headers: HTTPFields = [.contentType: "application/json"], documented: Bool = true) async throws -> Reply {
        await dispatcher.start()
        let app = Application(router: buildGatewayRouter(dispatcher: dispatcher, policy: policy))
        let reply = try await app.test(.router) { client in
            try await client.execute(uri: path, method: method, headers: headers,
                                     body: body.map { ByteBuffer(string: $0) }) { response in
                let text = String(buffer: response.body)
                return Reply(status: response.status, headers: response.headers,
                             json: try? JSONSerialization.jsonObject(with: Data(text.utf8)), text: text)
            }
        }
        guard documented else { return reply }
        let documented = template ?? path
        if let schema = api.responseSchema(method: method.rawValue, path: documented, status: reply.status.code) {
            if let json = reply.json {
                let problems = api.violations(json, schema)
                #expect(problems.isEmpty, "\(method) \(path) → \(reply.status.code): \(problems)")
            }
        } else {
            Issue.record("\(method) \(documented) → \(reply.status.code) is not in API/openapi.json")
        }
        for name in api.responseHeaders(method: method.rawValue, path: documented, status: reply.status.code) {
            #expect(reply.headers[HTTPField.Name(name)!] != nil, "\(method) \(path) → \(reply.status.code) lacks \(name)")
        }
        return reply
    }
}

func emails(_ ids: [String]) -> String {
    #"{"emails":["# + ids.map { #"{"id":"\#($0)","subject":"Steuer","body":"Bitte Freistellungsauftrag setzen."}"# }
        .joined(separator: ",") + "]}"
}

@Suite struct GatewayRouterTests {
    @Test func classifyAnswersEveryEmailInOrder() async throws {
        let r = try await Gateway(.answer).call(.post, "/v1/classify", body: emails(["a", "b"]))
        #expect(r.status == .ok)
        let predictions = try #require((r.json as? [String: Any])?["predictions"] as? [[String: Any]])
        #expect(predictions.map { $0["id"] as? String } == ["a", "b"])
        #expect(predictions.allSatisfy { $0["assigned_queue"] as? String == "Tax" })
    }

    @Test func submitStatusAndFeedback() async throws {
        let gateway = Gateway(.silent)
        let accepted = try await gateway.call(.post, "/v1/emails", body: emails(["x/1", "x1"]))
        #expect(accepted.status == .accepted)
        #expect((accepted.json as? [String: Any])?["status_urls"] as? [String] == ["/v1/emails/x%2F1", "/v1/emails/x1"])
        let pending = try await gateway.call(.get, "/v1/emails/x1", template: "/v1/emails/{id}")
        #expect(pending.status == .ok && (pending.json as? [String: Any])?["status"] as? String == "pending")
        await gateway.dispatcher.deliver(assignment("x1"))
        let done = try await gateway.call(.get, "/v1/emails/x1", template: "/v1/emails/{id}")
        #expect((done.json as? [String: Any])?["status"] as? String == "done")
        let feedback = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"x1","labels":{"queue":"Tax"}}"#)
        #expect(feedback.status == .accepted)
    }

    @Test func badJSONIs400() async throws {
        let r = try await Gateway(.answer).call(.post, "/v1/classify", body: #"{"emails": [ {"id": 1"#)
        #expect(r.status == .badRequest && r.errorType == "invalid_json")
    }

    @Test func invalidEmailsAre422WithTheFieldNamed() async throws {
        let gateway = Gateway(.answer)
        let empty = try await gateway.call(.post, "/v1/emails", body: #"{"emails":[]}"#)
        #expect(empty.status == .unprocessableContent && empty.errorType == "validation")
        let noText = try await gateway.call(.post, "/v1/classify", body: #"{"emails":[{"id":"a","subject":""}]}"#)
        #expect(noText.status == .unprocessableContent && noText.text.contains("emails[0]"))
        let noLabels = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{}}"#)
        #expect(noLabels.status == .unprocessableContent)
    }

    @Test func aBatchOverTheLimitIs422() async throws {
        let r = try await Gateway(.answer).call(.post, "/v1/emails", body: emails((0..<65).map { "m\($0)" }))
        #expect(r.status == .unprocessableContent && r.errorType == "batch_too_large")
    }

    @Test func tooManyInFlightIs429WithRetryAfter() async throws {
        var limits = DispatcherLimits()
        limits.maxInFlight = 1
        let gateway = Gateway(.silent, limits: limits)
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["a"])).status == .accepted)
        let r = try await gateway.call(.post, "/v1/emails", body: emails(["b"]))
        #expect(r.status == .tooManyRequests && r.errorType == "overloaded")
        #expect(r.headers[.retryAfter] == "1")
    }

    @Test func aFullIntakeQueueIs429WithRetryAfterNot503() async throws {
        let r = try await Gateway(.full).call(.post, "/v1/emails", body: emails(["a"]))
        #expect(r.status == .tooManyRequests && r.errorType == "pipeline_full")
        #expect(r.headers[.retryAfter] == "1")
        #expect(!r.text.contains("Bitte"), "error bodies carry no email text")
    }

    @Test func noResultInTimeIs504() async throws {
        var limits = DispatcherLimits()
        limits.syncTimeoutSeconds = 0.3
        let r = try await Gateway(.silent, limits: limits).call(.post, "/v1/classify", body: emails(["slow"]))
        #expect(r.status == .gatewayTimeout && r.errorType == "timeout" && r.text.contains("slow"))
    }

    @Test func theSameIdWithOtherContentIs409() async throws {
        let journal = JournalFile()
        let gateway = Gateway(.silent, journal: journal)
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["a"])).status == .accepted)
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["a"])).status == .accepted, "same content: idempotent")
        let changed = #"{"emails":[{"id":"a","subject":"Steuer","body":"Anderer Text."}]}"#
        let r = try await gateway.call(.post, "/v1/emails", body: changed)
        #expect(r.status == .conflict && r.errorType == "conflict")
        let sync = try await gateway.call(.post, "/v1/classify", body: changed)
        #expect(sync.status == .conflict)
    }

    @Test func aDeadLetterIsReportedAsFailed() async throws {
        var limits = DispatcherLimits()
        limits.resendAfterSeconds = 0.05
        limits.maxAttempts = 1
        let gateway = Gateway(.silent, limits: limits, journal: JournalFile())
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["lost"])).status == .accepted)
        var r = try await gateway.call(.get, "/v1/emails/lost", template: "/v1/emails/{id}")
        // The sweep gives up after 0.05 s; polled with a hang guard (the full test run can keep the pool busy).
        for _ in 0..<600 where (r.json as? [String: Any])?["status"] as? String == "pending" {
            try await Task.sleep(for: .milliseconds(100))
            r = try await gateway.call(.get, "/v1/emails/lost", template: "/v1/emails/{id}")
        }
        #expect((r.json as? [String: Any])?["status"] as? String == "failed")
        #expect(((r.json as? [String: Any])?["failure"] as? String)?.contains("after 1 send ") == true)
    }

    @Test func unknownIdIs404() async throws {
        let r = try await Gateway(.answer).call(.get, "/v1/emails/never", template: "/v1/emails/{id}")
        #expect(r.status == .notFound && r.errorType == "not_found")
    }

    @Test func aBrokenPipelineIs503() async throws {
        let gateway = Gateway(.broken)
        let r = try await gateway.call(.post, "/v1/emails", body: emails(["a"]))
        #expect(r.status == .serviceUnavailable && r.errorType == "transport")
        let f = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Tax"}}"#)
        #expect(f.status == .serviceUnavailable && f.errorType == "transport")
    }

    @Test func healthReadinessAndMetrics() async throws {
        let gateway = Gateway(.answer)
        #expect(try await gateway.call(.get, "/healthz").status == .ok)
        let notReady = try await gateway.call(.get, "/readyz")
        #expect(notReady.status == .serviceUnavailable)
        #expect((notReady.json as? [String: Any])?["missing"] as? [String] == ["cleaner", "classifier", "router", "feedback-collector"])
        for s in ["cleaner", "classifier", "router", "feedback-collector"] {
            await gateway.dispatcher.heartbeat(HeartbeatInfo(stage: s, replica: 0, ready: true, modelVersion: s == "classifier" ? "v1" : nil))
        }
        #expect(try await gateway.call(.get, "/readyz").status == .ok)
        let metrics = try await gateway.call(.get, "/metrics")
        #expect(metrics.status == .ok && metrics.text.contains("mailroom_stage_up{replica=\"0\",stage=\"classifier\"} 1"))
        #expect(metrics.text.contains("mailroom_gateway_http_requests_total{route=\"/readyz\",status=\"503\"} 1"))
    }
}
