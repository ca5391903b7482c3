// GatewayRoutes: the HTTP API (POST /v1/classify, POST /v1/emails, GET /v1/emails/{id}, POST /v1/feedback,
// GET /healthz, GET /readyz, GET /metrics). Handlers only translate between HTTP and the Dispatcher.
import Foundation
import Hummingbird
import MailroomCore

/// Most bytes accepted in one request body.
let maxRequestBytes = 16 * 1024 * 1024

/// Builds the gateway's router over `dispatcher`.
public func buildGatewayRouter(dispatcher: Dispatcher) -> Router<BasicRequestContext> {
    let router = Router()
    let metrics = dispatcher.metrics
    router.addMiddleware { RequestMetricsMiddleware(metrics: metrics) }

    router.post("/v1/classify") { request, _ -> Response in
        let batch = try await decodeBody(EmailBatch.self, from: request)
        let results = try await dispatcher.classify(batch.emails)
        return try jsonResponse(ClassifyResponse(predictions: results.map(EmailResult.init)))
    }
    router.post("/v1/emails") { request, _ -> Response in
        let batch = try await decodeBody(EmailBatch.self, from: request)
        let ids = try await dispatcher.submit(batch.emails)
        return try jsonResponse(AcceptedResponse(accepted: ids, statusURLs: ids.map { "/v1/emails/" + percentEncode($0) }),
                                status: .accepted)
    }
    router.get("/v1/emails/:id") { _, context -> Response in
        let id = try context.parameters.require("id")
        switch try await dispatcher.status(of: id) {
        case .pending: return try jsonResponse(EmailStatusResponse(status: "pending", id: id))
        case .done(let result): return try jsonResponse(EmailStatusResponse(status: "done", id: id, result: EmailResult(result)))
        case .failed(let reason): return try jsonResponse(EmailStatusResponse(status: "failed", id: id, failure: reason))
        }
    }
    router.post("/v1/feedback") { request, _ -> Response in
        let outcome = try await decodeBody(Outcome.self, from: request)
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
            metrics.set("mailroom_stage_up{stage=\"\(s.stage)\",replica=\"\(s.replica)\"}",
                        s.secondsSinceHeartbeat <= dispatcher.limits.livenessSeconds ? 1 : 0)
        }
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
    return router
}

/// Decodes a JSON request body, mapping every failure to a ``GatewayError`` with a specific reason.
func decodeBody<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
    let buffer: ByteBuffer
    do { buffer = try await request.body.collect(upTo: maxRequestBytes) } catch {
        throw GatewayError.validation("request body exceeds \(maxRequestBytes / 1_048_576) MiB")
    }
    do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch {
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

func percentEncode(_ s: String) -> String {
    s.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? s
}

/// Counts requests per route and status for /metrics.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: GatewayMetrics
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = request.uri.path.hasPrefix("/v1/emails/") ? "/v1/emails/{id}" : request.uri.path
        do {
            let response = try await next(request, context)
            metrics.count("mailroom_gateway_http_requests_total{route=\"\(route)\",status=\"\(response.status.code)\"}")
            return response
        } catch let e as GatewayError {
            metrics.count("mailroom_gateway_http_requests_total{route=\"\(route)\",status=\"\(e.status.code)\"}")
            throw e
        } catch {
            metrics.count("mailroom_gateway_http_requests_total{route=\"\(route)\",status=\"500\"}")
            throw error
        }
    }
}
