// EdgeTests: what the gateway refuses before a handler runs (unknown paths, methods, keys, media types, sizes),
// what its decoder and field limits refuse, and that ids, metric labels and log lines stay well formed whatever a
// client sends. Each answer is checked against API/openapi.json where the document lists it.
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MailroomCore
import MailroomGateway
import MailroomRuntime
import Synchronization
import Testing

/// A keys file in a temporary directory with one key per scope set.
struct KeysFile {
    let path = NSTemporaryDirectory() + "mailroom-keys-\(UInt32.random(in: 0..<UInt32.max))"
    func add(_ name: String, _ scopes: Set<APIScope>) throws -> String { try APIKeys.add(name: name, scopes: scopes, path: path) }
}

func bearer(_ key: String, contentType: Bool = true) -> HTTPFields {
    var h: HTTPFields = [.authorization: "Bearer \(key)"]
    if contentType { h[.contentType] = "application/json" }
    return h
}

@Suite struct EdgeTests {
    @Test func keysAreCheckedPerScope() async throws {
        let keys = KeysFile()
        let all = try keys.add("crm", [.submit, .read, .feedback])
        let reader = try keys.add("dashboard", [.read])
        var gateway = Gateway(.answer)
        gateway.policy = EdgePolicy(keys: try APIKeyRing(path: keys.path))
        let none = try await gateway.call(.post, "/v1/emails", body: emails(["a"]))
        #expect(none.status == .unauthorized && none.errorType == "unauthorized")
        #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
        let wrong = try await gateway.call(.post, "/v1/emails", body: emails(["a"]), headers: bearer("mrk_not-a-key"))
        #expect(wrong.status == .unauthorized)
        let basic = try await gateway.call(.post, "/v1/emails", body: emails(["a"]),
                                           headers: [.authorization: "Basic \(all)", .contentType: "application/json"])
        #expect(basic.status == .unauthorized)
        let forbidden = try await gateway.call(.post, "/v1/emails", body: emails(["a"]), headers: bearer(reader))
        #expect(forbidden.status == .forbidden && forbidden.errorType == "forbidden")
        #expect(!forbidden.text.contains("dashboard"), "403 says nothing about the key")
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["a"]), headers: bearer(all)).status == .accepted)
        #expect(try await gateway.call(.get, "/v1/emails/a", template: "/v1/emails/{id}", headers: bearer(reader)).status == .ok)
        // Open: health and readiness. Protected: metrics (no key here has the scope).
        #expect(try await gateway.call(.get, "/healthz").status == .ok)
        #expect(try await gateway.call(.get, "/metrics", headers: bearer(all)).status == .forbidden)
        gateway.policy.protectMetrics = false
        #expect(try await gateway.call(.get, "/metrics").status == .ok)
    }

    @Test func aRevokedKeyIsRefusedAndANewOneAcceptedWithoutARestart() async throws {
        let keys = KeysFile()
        let old = try keys.add("crm-old", [.submit])
        var gateway = Gateway(.answer)
        let ring = try APIKeyRing(path: keys.path, checkIntervalSeconds: 0)
        gateway.policy = EdgePolicy(keys: ring)
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["r1"]), headers: bearer(old)).status == .accepted)
        let new = try keys.add("crm-new", [.submit])
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["r2"]), headers: bearer(new)).status == .accepted)
        #expect(try APIKeys.revoke(name: "crm-old", path: keys.path))
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["r3"]), headers: bearer(old)).status == .unauthorized)
        #expect(ring.names == ["crm-new"])
        // A broken file keeps the keys in force.
        try "crm-new submit sha256:nothex\n".write(toFile: keys.path, atomically: true, encoding: .utf8)
        #expect(try await gateway.call(.post, "/v1/emails", body: emails(["r4"]), headers: bearer(new)).status == .accepted)
    }

    @Test func theKeysFileHoldsOnlyHashes() throws {
        let keys = KeysFile()
        let key = try keys.add("crm", [.submit])
        let text = try String(contentsOfFile: keys.path, encoding: .utf8)
        #expect(!text.contains(key) && text.contains(APIKeys.hash(key)))
        var st = stat()
        #expect(stat(keys.path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(APIKeys.match(key, in: try APIKeys.load(path: keys.path))?.name == "crm")
        #expect(APIKeys.match(key + "x", in: try APIKeys.load(path: keys.path)) == nil)
        #expect(throws: APIKeysError.duplicateName("crm")) { try keys.add("crm", [.read]) }
        #expect(throws: APIKeysError.self) { try APIKeys.parse("crm launch sha256:" + String(repeating: "a", count: 64), path: "k") }
    }

    @Test func unknownPathsAre404AndOtherMethods405WithAllow() async throws {
        let gateway = Gateway(.answer)
        let unknown = try await gateway.call(.get, "/v2/emails", documented: false)
        #expect(unknown.status == .notFound && unknown.errorType == "no_such_endpoint")
        for (method, path, allow) in [(HTTPRequest.Method.delete, "/v1/emails", "POST"), (.get, "/v1/classify", "POST"),
                                      (.put, "/v1/feedback", "POST"), (.post, "/v1/emails/x", "GET"), (.patch, "/healthz", "GET"),
                                      (.head, "/metrics", "GET"), (.options, "/v1/emails", "POST")] {
            let r = try await gateway.call(method, path, documented: false)
            #expect(r.status == .methodNotAllowed && r.headers[.allow] == allow, "\(method) \(path)")
        }
    }

    @Test func bodiesMustBeJSONAndWithinTheLimit() async throws {
        var gateway = Gateway(.answer)
        let text = try await gateway.call(.post, "/v1/emails", body: emails(["a"]), headers: [.contentType: "text/plain"])
        #expect(text.status == .unsupportedMediaType && text.errorType == "unsupported_media_type")
        let none = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Tax"}}"#, headers: [:])
        #expect(none.status == .unsupportedMediaType)
        let charset = try await gateway.call(.post, "/v1/emails", body: emails(["a"]),
                                             headers: [.contentType: "Application/JSON; charset=utf-8"])
        #expect(charset.status == .accepted)
        gateway.policy.maxBodyBytes = 100
        let declared = try await gateway.call(.post, "/v1/emails", body: emails(["a", "b", "c"]),
                                              headers: [.contentType: "application/json", .contentLength: "100000000"])
        #expect(declared.status == .contentTooLarge && declared.errorType == "body_too_large")
        let streamed = try await gateway.call(.post, "/v1/emails", body: emails(["a", "b", "c"]))
        #expect(streamed.status == .contentTooLarge && streamed.errorType == "body_too_large")
    }

    @Test func unknownFieldsAndWrongTypesAre400NamingTheField() async throws {
        let gateway = Gateway(.answer)
        for (path, body, needle) in [
            ("/v1/emails", #"{"emails":[{"id":"a","body":"x","bdy":"y"}]}"#, "bdy"),
            ("/v1/emails", #"{"emails":[{"id":"a","body":"x"}],"priority":1}"#, "priority"),
            ("/v1/feedback", #"{"id":"a","labels":{"queue":"Tax"},"closed":"now"}"#, "closed"),
            ("/v1/emails", #"{"emails":[{"id":7,"body":"x"}]}"#, "emails[0].id"),
            ("/v1/emails", #"{"emails":{"id":"a"}}"#, "emails"),
            ("/v1/emails", #"{"emails":[{"id":"a","body":"x","language":null}]}"#, "emails[0].language"),
            ("/v1/feedback", #"{"id":"a","labels":{"queue":"Tax"},"closed_at":null}"#, "closed_at"),
            ("/v1/emails", #"[]"#, ""),
            ("/v1/emails", "", ""),
        ] {
            let r = try await gateway.call(.post, path, body: body)
            #expect(r.status == .badRequest && r.errorType == "invalid_json", "\(body)")
            #expect(needle.isEmpty || r.text.contains(needle), "\(r.text) names \(needle)")
        }
    }

    @Test func everyFieldHasALimit() async throws {
        let gateway = Gateway(.answer)
        func email(_ fields: String) -> String { #"{"emails":[{"id":"ok","body":"x"}, {\#(fields)}]}"# }
        for (body, field) in [
            (email(#""id":"""#), "emails[1].id"),
            (email(#""id":"\#(String(repeating: "i", count: 257))","body":"x""#), "emails[1].id"),
            (email(#""id":"a\nb","body":"x""#), "emails[1].id"),
            (email(#""id":"a\u0000b","body":"x""#), "emails[1].id"),
            (email(#""id":"a\u0085b","body":"x""#), "emails[1].id"),
            (email(#""id":"s","subject":"\#(String(repeating: "s", count: 4097))""#), "emails[1].subject"),
            (email(#""id":"c","body":"x","custodian_bank":"Bank\tAG""#), "emails[1].custodian_bank"),
            (email(#""id":"c","body":"x","custodian_bank":"\#(String(repeating: "b", count: 129))""#), "emails[1].custodian_bank"),
            (email(#""id":"l","body":"x","language":"deutsch!""#), "emails[1].language"),
            (email(#""id":"l","body":"x","language":"de--CH""#), "emails[1].language"),
            (email(#""id":"t","body":"x","received_at":"\#(String(repeating: "1", count: 65))""#), "emails[1].received_at"),
            (email(#""id":"e","subject":"","body":"""#), "emails[1]"),
        ] {
            let r = try await gateway.call(.post, "/v1/emails", body: body)
            #expect(r.status == .unprocessableContent && r.errorType == "validation", "\(field): \(r.text)")
            #expect(r.text.contains(field), "\(r.text) names \(field)")
        }
        let longest = String(repeating: "ü", count: 256)
        #expect(try await gateway.call(.post, "/v1/emails", body: email(#""id":"\#(longest)","body":"x","language":"de-CH""#)).status == .accepted)
    }

    @Test func aRepeatedIdInOneBatchCountsOnceOrConflicts() async throws {
        let gateway = Gateway(.answer)
        let same = try await gateway.call(.post, "/v1/classify", body: emails(["d", "d"]))
        #expect(same.status == .ok && ((same.json as? [String: Any])?["predictions"] as? [Any])?.count == 2)
        let other = #"{"emails":[{"id":"e","body":"eins"},{"id":"e","body":"zwei"}]}"#
        let r = try await gateway.call(.post, "/v1/emails", body: other)
        #expect(r.status == .conflict && r.errorType == "conflict")
    }

    @Test func statusURLsWorkForAnyAcceptedId() async throws {
        let gateway = Gateway(.silent)
        let ids = ["a/b", "..", "ä ö?#%", "x+y=z&", "\u{202E}rtl"]
        let body = #"{"emails":["# + ids.map { #"{"id":\#(jsonString($0)),"body":"x"}"# }.joined(separator: ",") + "]}"
        let accepted = try await gateway.call(.post, "/v1/emails", body: body)
        let urls = try #require((accepted.json as? [String: Any])?["status_urls"] as? [String])
        for (id, url) in zip(ids, urls) {
            let r = try await gateway.call(.get, url, template: "/v1/emails/{id}")
            #expect(r.status == .ok && (r.json as? [String: Any])?["id"] as? String == id, "\(id) → \(url)")
        }
    }

    @Test func feedbackMustNameTheModelsHeadsAndLabels() async throws {
        let gateway = Gateway(.answer)
        await gateway.dispatcher.heartbeat(HeartbeatInfo(
            stage: "classifier", replica: 0, ready: true, modelVersion: "v1",
            heads: [HeadSpec(name: "queue", labels: ["Tax", "Payments"]), HeadSpec(name: "topic", labels: ["tax_certificate"])]))
        #expect(try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Tax"}}"#).status == .accepted)
        let head = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"colour":"Tax"}}"#)
        #expect(head.status == .unprocessableContent && head.text.contains("colour") && head.text.contains("queue, topic"))
        let label = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Steuern"}}"#)
        #expect(label.status == .unprocessableContent && label.text.contains("Steuern") && label.text.contains("new_labels"))
        // A deliberate new class: the head is listed in new_labels (and must be one the model has).
        let newClass = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Steuern"},"new_labels":["queue"]}"#)
        #expect(newClass.status == .accepted)
        let newHead = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Tax"},"new_labels":["colour"]}"#)
        #expect(newHead.status == .unprocessableContent && newHead.text.contains("colour"))
        let twice = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a","labels":{"queue":"Tax"},"new_labels":["queue","queue"]}"#)
        #expect(twice.status == .unprocessableContent)
        let control = try await gateway.call(.post, "/v1/feedback", body: #"{"id":"a\r\n","labels":{"queue":"Tax"}}"#)
        #expect(control.status == .unprocessableContent)
    }

    @Test func metricLabelsAreBoundedAndEscaped() async throws {
        let gateway = Gateway(.answer)
        for i in 0..<50 { _ = try await gateway.call(.get, "/random/\(i)", documented: false) }
        await gateway.dispatcher.heartbeat(HeartbeatInfo(stage: "evil\"}\nx 1", replica: 0, ready: true, modelVersion: nil))
        let m = try await gateway.call(.get, "/metrics")
        #expect(m.text.contains(#"mailroom_gateway_http_requests_total{route="unmatched",status="404"} 50"#))
        #expect(!m.text.contains("/random/"))
        #expect(m.text.contains(#"stage="evil\"}\nx 1""#))
        #expect(!m.text.split(separator: "\n").contains { $0.hasPrefix("x 1") })
    }

    @Test func logLinesEscapeWhatClientsSend() {
        let lines = Mutex<[String]>([])
        let handler = LineLogHandler(label: "t") { line in lines.withLock { $0.append(line) } }
        let logger = Logger(label: "t") { _ in handler }
        logger.error("model failed on an email", metadata: ["mail.id": "a\nE: forged line", "ok": "plain"])
        let out = lines.withLock { $0 }
        #expect(out.count == 1 && out[0].filter { $0 == "\n" }.count == 1)
        #expect(out[0].contains(#"mail.id="a\nE: forged line""#) && out[0].contains("ok=plain"))
    }
}

func jsonString(_ s: String) -> String { String(decoding: try! JSONEncoder().encode(s), as: UTF8.self) }
