// GatewayRoutes: the HTTP API (POST /v1/classify, POST /v1/emails, GET /v1/emails/{id}, POST /v1/feedback,
// GET /healthz, GET /readyz, GET /metrics). Handlers only translate between HTTP and the Dispatcher.
import Foundation
import Hummingbird
import MailroomCore
import MailroomRuntime

/// Builds the gateway's router over `dispatcher`; `policy` is what the edge enforces before any handler
/// (see ``EdgeMiddleware``).
public func buildGatewayRouter(dispatcher: Dispatcher, policy: EdgePolicy = .init()) -> Router<BasicRequestContext> {
    let router = Router()
    let metrics = dispatcher.metrics
    let maxBytes = policy.maxBodyBytes
    router.addMiddleware { EdgeMiddleware(policy: policy, metrics: metrics) }

    router.post("/v1/classify") { request, _ -> Response in
        let batch = try await decodeBody(EmailBatch.self, from: request, maxBytes: maxBytes)
        let results = try await dispatcher.classify(batch.emails)
        return try jsonResponse(ClassifyResponse(predictions: results.map(EmailResult.init)))
    }
    router.post("/v1/emails") { request, _ -> Response in
        let batch = try await decodeBody(EmailBatch.self, from: request, maxBytes: maxBytes)
        let ids = try await dispatcher.submit(batch.emails)
        return try jsonResponse(AcceptedResponse(accepted: ids, statusURLs: ids.map { "/v1/emails/" + percentEncode($0) }),
                                status: .accepted)
    }
    router.get("/v1/emails/:id") { _, context -> Response in
        // The path segment as sent is percent-encoded (a status URL encodes `/` as %2F): decode it once.
        let raw = try context.parameters.require("id")
        guard let id = raw.removingPercentEncoding else {
            throw GatewayError.validation("the id in the path is not valid percent-encoded UTF-8")
        }
        switch try await dispatcher.status(of: id) {
        case .pending: return try jsonResponse(EmailStatusResponse(status: "pending", id: id))
        case .done(let result): return try jsonResponse(EmailStatusResponse(status: "done", id: id, result: EmailResult(result)))
        case .failed(let reason): return try jsonResponse(EmailStatusResponse(status: "failed", id: id, failure: reason))
        }
    }
    router.post("/v1/feedback") { request, _ -> Response in
        let outcome = try await decodeBody(Outcome.self, from: request, maxBytes: maxBytes)
        try await dispatcher.feedback(outcome)
        return try jsonResponse(FeedbackAccepted(accepted: outcome.id), status: .accepted)
    }
    router.get("/healthz") { _, _ -> Response in
        try jsonResponse(["status": "ok"])
    }
    router.get("/readyz") { _, _ -> Response in
        let r = await dispatcher.readiness()
        return try jsonResponse(r, status: r.ready ? .ok : .serviceUnavailable)
    }
    router.get("/metrics") { _, _ -> Response in
        metrics.set("mailroom_gateway_in_flight", Double(await dispatcher.inFlight))
        let r = await dispatcher.readiness()
        for s in r.stages {
            metrics.set("mailroom_stage_up", labels: ["stage": s.stage, "replica": "\(s.replica)"],
                        s.secondsSinceHeartbeat <= dispatcher.limits.livenessSeconds ? 1 : 0)
        }
        for beat in await dispatcher.liveHeartbeats() {
            let labels = ["stage": beat.stage, "replica": "\(beat.replica)"]
            // Only families the stages declare (StageFigures): a heartbeat cannot invent metric names.
            for (family, value) in beat.figures where StageFigures.families[family] != nil && value.isFinite {
                if family.hasSuffix("_total") { metrics.setCounter(family, labels: labels, value) } else { metrics.set(family, labels: labels, value) }
            }
            if beat.stage == "classifier" {
                metrics.clear("mailroom_classifier_shadow_info", where: labels)
                if let v = beat.shadowVersion {
                    metrics.set("mailroom_classifier_shadow_info", labels: labels.merging(["model_version": v]) { a, _ in a }, 1)
                }
            }
        }
        var headers = HTTPFields()
        headers[.contentType] = PrometheusText.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
    return router
}

/// Decodes a JSON request body, mapping every failure to a ``GatewayError`` with a specific reason.
/// Unknown fields are errors (the API document says `additionalProperties: false`).
func decodeBody<T: Decodable>(_ type: T.Type, from request: Request, maxBytes: Int) async throws -> T {
    let buffer: ByteBuffer
    do { buffer = try await request.body.collect(upTo: maxBytes) } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
        throw GatewayError.bodyTooLarge(bytes: nil, limit: maxBytes)
    } catch {
        throw GatewayError.unreadableBody(String(describing: error))
    }
    // JSON between systems is UTF-8 (RFC 8259); Foundation would also guess UTF-16 and UTF-32, whose every ASCII
    // character carries a zero byte. A zero byte never appears in UTF-8 JSON (U+0000 must be escaped).
    if buffer.readableBytesView.contains(0) {
        throw GatewayError.invalidJSON("the body holds a zero byte: send UTF-8 JSON (UTF-16 and UTF-32 are not accepted, and U+0000 must be written \\u0000)")
    }
    let decoder = JSONDecoder()
    decoder.userInfo[.rejectUnknownKeys] = true
    do { return try decoder.decode(T.self, from: Data(buffer.readableBytesView)) } catch {
        throw GatewayError.invalidJSON(JSONL.describe(error))
    }
}

/// A JSON response with sorted keys.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
}

/// The id as one path segment: everything outside unreserved characters encoded, and `.`/`..` too (clients
/// would otherwise normalise them away).
func percentEncode(_ s: String) -> String {
    if s == "." || s == ".." { return String(repeating: "%2E", count: s.count) }
    return s.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? s
}
