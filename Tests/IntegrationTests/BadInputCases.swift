// BadInputCases: the kinds of malformed and hostile requests the bad-input suite sends, each with the answer
// it must get. HTTP-level (request line, headers, framing, keys), JSON-level (syntax, types, encoding, depth),
// field-level (every limit in FieldLimits), and cleaner/tokenizer bombs that must still be classified.
import Foundation

enum BadInputs {
    static func all(key: String, readerKey: String) -> [BadInput] {
        http(key: key, readerKey: readerKey) + json(key: key) + fields(key: key) + bombs(key: key)
    }

    // MARK: HTTP level

    static func http(key: String, readerKey: String) -> [BadInput] {
        let auth = "Authorization: Bearer \(key)"
        let oneEmail = body(["emails": [["id": "h-1", "body": "Hallo"]]])
        let allowPost: @Sendable (RawResponse) -> String? = { $0.headers["allow"] == "POST" ? nil : "Allow is \($0.headers["allow"] ?? "missing"), expected POST" }
        let challenge: @Sendable (RawResponse) -> String? = { $0.headers["www-authenticate"]?.hasPrefix("Bearer") == true ? nil : "no WWW-Authenticate: Bearer" }
        let nothingAboutTheKey: @Sendable (RawResponse) -> String? = { r in
            String(decoding: r.body, as: UTF8.self).contains("mrk_") ? "the answer mentions a key" : nil
        }
        return [
            BadInput(name: "request line that is not HTTP", chunks: [Data("HELLO WORLD\r\n\r\n".utf8)], status: 400),
            BadInput(name: "unknown method", chunks: [RawHTTP.request("BREW /v1/emails HTTP/1.1", headers: [auth])], status: 400),
            BadInput(name: "NUL byte in the request target", chunks: [RawHTTP.request("GET /v1/emails/a\u{0}b HTTP/1.1", headers: [auth])], status: 400),
            BadInput(name: "header line without a colon", chunks: [RawHTTP.request("GET /healthz HTTP/1.1", headers: ["this is not a header"])], status: 400),
            BadInput(name: "100 KB header", chunks: [RawHTTP.request("GET /healthz HTTP/1.1", headers: ["X-Big: " + String(repeating: "a", count: 100_000)])], status: 400),
            BadInput(name: "100 KB request target", chunks: [RawHTTP.request("GET /v1/emails/" + String(repeating: "a", count: 100_000) + " HTTP/1.1", headers: [auth])], status: 400),
            BadInput(name: "a request head that never completes (slowloris)",
                     chunks: (0..<3).map { _ in Data("GET /healthz HTTP/1.1\r\nX-Slow: ".utf8) }, pause: 0.5, status: 0),
            BadInput(name: "unknown path", chunks: [RawHTTP.request("GET /v2/emails HTTP/1.1", headers: [auth])], status: 404, type: "no_such_endpoint"),
            BadInput(name: "path traversal", chunks: [RawHTTP.request("GET /v1/emails/../../etc/passwd HTTP/1.1", headers: [auth])], status: 404, type: "no_such_endpoint"),
            BadInput(name: "empty id in the status URL", chunks: [RawHTTP.request("GET /v1/emails/ HTTP/1.1", headers: [auth])], status: 404, type: "no_such_endpoint"),
            BadInput(name: "DELETE on /v1/emails", chunks: [RawHTTP.request("DELETE /v1/emails HTTP/1.1", headers: [auth])], status: 405, type: "method_not_allowed", check: allowPost),
            BadInput(name: "GET on /v1/classify", chunks: [RawHTTP.request("GET /v1/classify HTTP/1.1", headers: [auth])], status: 405, type: "method_not_allowed", check: allowPost),
            BadInput(name: "no API key", chunks: [post("/v1/emails", key: nil, oneEmail)], status: 401, type: "unauthorized", check: challenge),
            BadInput(name: "unknown API key", chunks: [post("/v1/emails", key: "mrk_" + String(repeating: "0", count: 43), oneEmail)], status: 401, type: "unauthorized", check: nothingAboutTheKey),
            BadInput(name: "Basic instead of Bearer", chunks: [post("/v1/emails", headers: ["Authorization: Basic dXNlcjpwYXNz"], oneEmail)], status: 401, type: "unauthorized", check: challenge),
            BadInput(name: "empty Bearer", chunks: [post("/v1/emails", headers: ["Authorization: Bearer "], oneEmail)], status: 401, type: "unauthorized"),
            BadInput(name: "a read-only key submitting", chunks: [post("/v1/emails", key: readerKey, oneEmail)], status: 403, type: "forbidden", check: nothingAboutTheKey),
            BadInput(name: "a read-only key reading metrics", chunks: [RawHTTP.request("GET /metrics HTTP/1.1", headers: ["Authorization: Bearer \(readerKey)"])], status: 403, type: "forbidden"),
            BadInput(name: "Content-Length of 17 MiB, body never sent", chunks: [RawHTTP.request("POST /v1/emails HTTP/1.1", headers: [auth, "Content-Type: application/json", "Content-Length: \(17 << 20)"])],
                     status: 413, type: "body_too_large"),
            BadInput(name: "chunked body growing past 16 MiB",
                     chunks: [RawHTTP.request("POST /v1/emails HTTP/1.1", headers: [auth, "Content-Type: application/json", "Transfer-Encoding: chunked"])]
                        + (0..<17).map { _ in Data("100000\r\n".utf8) + Data(repeating: 0x20, count: 1 << 20) + Data("\r\n".utf8) },
                     status: 413, type: "body_too_large"),
            BadInput(name: "text/plain body", chunks: [post("/v1/emails", key: key, contentType: "text/plain", oneEmail)], status: 415, type: "unsupported_media_type"),
            BadInput(name: "no Content-Type", chunks: [post("/v1/emails", key: key, contentType: nil, oneEmail)], status: 415, type: "unsupported_media_type"),
            BadInput(name: "Content-Length and Transfer-Encoding both (smuggling)",
                     chunks: [RawHTTP.request("POST /v1/emails HTTP/1.1", headers: [auth, "Content-Type: application/json", "Content-Length: 4", "Transfer-Encoding: chunked"],
                                              body: Data("0\r\n\r\n".utf8))], status: 400),
            BadInput(name: "two different Content-Length headers",
                     chunks: [RawHTTP.request("POST /v1/emails HTTP/1.1", headers: [auth, "Content-Type: application/json", "Content-Length: 2", "Content-Length: 40"], body: Data("{}".utf8))], status: 400),
            BadInput(name: "negative Content-Length",
                     chunks: [RawHTTP.request("POST /v1/emails HTTP/1.1", headers: [auth, "Content-Type: application/json", "Content-Length: -5"])], status: 400),
            BadInput(name: "chunk size that is not hex",
                     chunks: [RawHTTP.request("POST /v1/emails HTTP/1.1", headers: [auth, "Content-Type: application/json", "Transfer-Encoding: chunked"], body: Data("zz\r\n{}\r\n0\r\n\r\n".utf8))], status: 400, type: "unreadable_body"),
        ]
    }

    // MARK: JSON level

    static func json(key: String) -> [BadInput] {
        func bad(_ name: String, _ raw: Data, path: String = "/v1/emails") -> BadInput {
            BadInput(name: name, chunks: [post(path, key: key, raw)], status: 400, type: "invalid_json")
        }
        let deep = Data(("{\"emails\": " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8)
        var invalidUTF8 = Data(#"{"emails": [{"id": "u-1", "body": "caf"#.utf8)
        invalidUTF8.append(contentsOf: [0xC3, 0x28, 0xFF, 0xFE])
        invalidUTF8.append(Data(#""}]}"#.utf8))
        return [
            bad("empty body", Data()),
            bad("truncated JSON", Data(#"{"emails": [{"id": "t-1", "body": "Hal"#.utf8)),
            bad("top-level array", Data(#"[{"id": "a-1", "body": "x"}]"#.utf8)),
            bad("XML", Data("<emails><email id=\"x\"/></emails>".utf8)),
            bad("100,000 nested arrays", deep),
            bad("invalid UTF-8 inside a string", invalidUTF8),
            bad("a lone surrogate escape", Data(#"{"emails": [{"id": "s-1", "body": "\ud800"}]}"#.utf8)),
            bad("emails is a string", Data(#"{"emails": "all of them"}"#.utf8)),
            bad("an unknown field", Data(#"{"emails": [{"id": "f-1", "body": "x", "priority": "urgent"}]}"#.utf8)),
            bad("an explicit null", Data(#"{"emails": [{"id": "n-1", "body": "x", "subject": null}]}"#.utf8)),
            bad("a number as id", Data(#"{"emails": [{"id": 42, "body": "x"}]}"#.utf8)),
            bad("evidence as a string", Data(#"{"emails": [{"id": "ev-3", "body": "x", "evidence": "3"}]}"#.utf8)),
            bad("evidence as a fraction", Data(#"{"emails": [{"id": "ev-4", "body": "x", "evidence": 2.5}]}"#.utf8)),
            bad("1e999 as id", Data(#"{"emails": [{"id": 1e999, "body": "x"}]}"#.utf8)),
            bad("NaN literal", Data(#"{"emails": [{"id": NaN, "body": "x"}]}"#.utf8)),
            bad("trailing garbage after the object", Data(#"{"emails": [{"id": "g-1", "body": "x"}]} trailing"#.utf8)),
            bad("a comment in the JSON", Data(#"{"emails": /* all */ [{"id": "c-1", "body": "x"}]}"#.utf8)),
            bad("UTF-16 encoded body", #"{"emails": [{"id": "w-1", "body": "x"}]}"#.data(using: .utf16LittleEndian)!),
            bad("feedback without labels", Data(#"{"id": "good-0"}"#.utf8), path: "/v1/feedback"),
            bad("feedback labels as a list", Data(#"{"id": "good-0", "labels": ["queue", "Tax"]}"#.utf8), path: "/v1/feedback"),
        ]
    }

    // MARK: field level

    static func fields(key: String) -> [BadInput] {
        func invalid(_ name: String, _ email: [String: Any], path: String = "/v1/emails") -> BadInput {
            BadInput(name: name, chunks: [post(path, key: key, body(["emails": [email]]))], status: 422, type: "validation")
        }
        func feedback(_ name: String, _ object: [String: Any]) -> BadInput {
            BadInput(name: name, chunks: [post("/v1/feedback", key: key, body(object))], status: 422, type: "validation")
        }
        let labels = ["queue": "Tax"]
        return [
            invalid("empty id", ["id": "", "body": "x"]),
            invalid("257-character id", ["id": String(repeating: "i", count: 257), "body": "x"]),
            invalid("id with U+0001", ["id": "a\u{1}b", "body": "x"]),
            invalid("id with NUL", ["id": "a\u{0}b", "body": "x"]),
            invalid("id with a C1 control (U+0085)", ["id": "a\u{85}b", "body": "x"]),
            invalid("id with a newline (log injection)", ["id": "a\n2026-12-03 level=error forged", "body": "x"]),
            invalid("subject of 4097 characters", ["id": "s-2", "subject": String(repeating: "s", count: 4097)]),
            invalid("body of 1,048,577 characters", ["id": "b-2", "body": String(repeating: "b", count: 1_048_577)]),
            invalid("body_html of 1,048,577 characters", ["id": "b-3", "body_html": String(repeating: "<", count: 1_048_577)]),
            invalid("custodian bank of 129 characters", ["id": "c-2", "body": "x", "custodian_bank": String(repeating: "c", count: 129)]),
            invalid("custodian bank with a tab", ["id": "c-3", "body": "x", "custodian_bank": "Bank\tAG"]),
            invalid("evidence above 20", ["id": "ev-1", "body": "x", "evidence": 21]),
            invalid("evidence below 0", ["id": "ev-2", "body": "x", "evidence": -1]),
            invalid("language de_DE", ["id": "l-1", "body": "x", "language": "de_DE"]),
            invalid("language <script>", ["id": "l-2", "body": "x", "language": "<script>"]),
            invalid("received_at of 65 characters", ["id": "r-1", "body": "x", "received_at": String(repeating: "2", count: 65)]),
            invalid("no subject, body or body_html", ["id": "e-1", "subject": "", "body": ""]),
            invalid("sync classify with an empty id", ["id": "", "body": "x"], path: "/v1/classify"),
            BadInput(name: "empty batch", chunks: [post("/v1/emails", key: key, body(["emails": [Any]()]))], status: 422, type: "validation"),
            BadInput(name: "65 emails in one classify batch",
                     chunks: [post("/v1/classify", key: key, body(["emails": (0..<65).map { ["id": "big-\($0)", "body": "x"] }]))], status: 422, type: "batch_too_large"),
            BadInput(name: "the same id twice with different content",
                     chunks: [post("/v1/emails", key: key, body(["emails": [["id": "twice-1", "body": "a"], ["id": "twice-1", "body": "b"]]]))], status: 409, type: "conflict"),
            BadInput(name: "an accepted id re-submitted with different content",
                     chunks: [post("/v1/emails", key: key, body(["emails": [["id": "good-0", "body": "something else entirely"]]]))], status: 409, type: "conflict"),
            feedback("feedback for an unknown head", ["id": "good-0", "labels": ["priority": "high"]]),
            feedback("feedback with an unknown label", ["id": "good-0", "labels": ["queue": "No Such Queue"]]),
            feedback("feedback with no labels", ["id": "good-0", "labels": [String: String]()]),
            feedback("feedback with 17 heads", ["id": "good-0", "labels": Dictionary(uniqueKeysWithValues: (0..<17).map { ("h\($0)", "x") })]),
            feedback("feedback resolution of 4097 characters", ["id": "good-0", "labels": labels, "resolution": String(repeating: "r", count: 4097)]),
            feedback("feedback id with a control character", ["id": "good\u{7}", "labels": labels]),
            BadInput(name: "status of an id never submitted (NUL, percent-encoded)",
                     chunks: [RawHTTP.request("GET /v1/emails/%00 HTTP/1.1", headers: ["Authorization: Bearer \(key)"])], status: 404, type: "not_found"),
        ]
    }

    // MARK: cleaner and tokenizer bombs: valid requests that must be classified, not crash or hang a stage

    static func bombs(key: String) -> [BadInput] {
        let classified: @Sendable (RawResponse) -> String? = { r in
            let p = ((r.json as? [String: Any])?["predictions"] as? [[String: Any]])?.first
            let heads = (p?["heads"] as? [String: Any])?.count ?? 0
            return heads == 3 ? nil : "no prediction with three heads"
        }
        func bomb(_ name: String, _ email: [String: Any]) -> BadInput {
            var email = email
            email["id"] = "bomb-" + name.filter { $0.isLetter || $0.isNumber }.prefix(40)
            return BadInput(name: "bomb: " + name, chunks: [post("/v1/classify", key: key, body(["emails": [email]]))],
                            status: 200, check: classified)
        }
        return [
            bomb("20,000 nested div elements", ["id": "", "body_html": String(repeating: "<div>", count: 20_000) + "Depot übertragen" + String(repeating: "</div>", count: 20_000)]),
            bomb("one word of 1,000,000 letters", ["id": "", "body": String(repeating: "a", count: 1_000_000)]),
            bomb("200,000 combining marks on one letter", ["id": "", "body": "e" + String(repeating: "\u{0301}", count: 200_000)]),
            bomb("an unclosed comment before 500 KB", ["id": "", "body_html": "<p>Hallo</p><!-- " + String(repeating: "x ", count: 250_000)]),
            bomb("an unclosed style element", ["id": "", "body_html": "<style>" + String(repeating: "p{color:red}", count: 40_000)]),
            bomb("an unclosed tag of 500 KB", ["id": "", "body_html": "<a href=\"" + String(repeating: "h", count: 500_000)]),
            bomb("200,000 angle brackets", ["id": "", "body_html": String(repeating: "<", count: 100_000) + String(repeating: ">", count: 100_000)]),
            bomb("100,000 entities, some invalid", ["id": "", "body_html": String(repeating: "&amp;&#x110000;&#0;&#99999999999;&nosuch;", count: 20_000)]),
            bomb("20,000 levels of quoting", ["id": "", "body": String(repeating: "> ", count: 20_000) + "Depot\n" + String(repeating: "> Zitat\n", count: 20_000)]),
            bomb("30,000 signature closings", ["id": "", "body": "Bitte Depot übertragen.\n" + String(repeating: "Mit freundlichen Grüßen\n-- \n", count: 30_000)]),
            bomb("200,000 zero-width and bidi controls", ["id": "", "body": String(repeating: "\u{200B}\u{202E}\u{2066}\u{FEFF}", count: 50_000)]),
            bomb("250,000 emoji", ["id": "", "body": String(repeating: "🏦", count: 250_000)]),
            bomb("NUL and control characters in the text", ["id": "", "subject": "Depot\u{0}\u{1}", "body": "Bitte\u{0}\u{7}\u{1B}[31m übertragen\u{0}"]),
            bomb("500,000 line breaks", ["id": "", "body": String(repeating: "\r\n", count: 500_000)]),
            bomb("1 MiB of digits and punctuation", ["id": "", "body": String(repeating: "1.2,3;", count: 170_000)]),
        ]
    }

    // MARK: building requests

    static func body(_ object: Any) -> Data { try! JSONSerialization.data(withJSONObject: object) }

    /// A POST to `path` with the JSON `payload`; `key` nil sends no Authorization unless `headers` has one.
    static func post(_ path: String, key: String? = nil, contentType: String? = "application/json", headers: [String] = [], _ payload: Data) -> Data {
        var head = headers
        if let key { head.append("Authorization: Bearer \(key)") }
        if let contentType { head.append("Content-Type: \(contentType)") }
        return RawHTTP.request("POST \(path) HTTP/1.1", headers: head, body: payload)
    }

    static func method(_ chunks: [Data]) -> String? {
        chunks.first.flatMap { String(decoding: $0.prefix(16), as: UTF8.self).split(separator: " ").first.map(String.init) }
    }

    /// The OpenAPI path template the request went to, when it is one of the documented ones.
    static func documentedPath(_ chunks: [Data]) -> String? {
        guard let first = chunks.first else { return nil }
        let line = String(decoding: first.prefix(300), as: UTF8.self).split(separator: " ")
        guard line.count >= 2 else { return nil }
        let path = String(line[1].split(separator: "?").first ?? "")
        if path.hasPrefix("/v1/emails/") && path.dropFirst("/v1/emails/".count).contains("/") == false && path.count > "/v1/emails/".count {
            return "/v1/emails/{id}"
        }
        return ["/v1/classify", "/v1/emails", "/v1/feedback", "/healthz", "/readyz", "/metrics"].contains(path) ? path : nil
    }
}
