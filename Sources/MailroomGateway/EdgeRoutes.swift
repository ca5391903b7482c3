// EdgeRoutes: the gateway's endpoints in one table (path, methods, the API key scope each needs), and the
// middleware that applies it before any handler runs: 404 for unknown paths, 405 with Allow for other methods,
// 401/403 for keys, 413 from Content-Length before the body is read, 415 for bodies that are not JSON. It also
// counts every response by route template (bounded label values, whatever paths clients send).
import Foundation
import Hummingbird
import MailroomCore

/// One endpoint of the HTTP API.
public struct APIRoute: Sendable {
    /// As in API/openapi.json: `/v1/emails/{id}`.
    public var template: String
    public var methods: [HTTPRequest.Method]
    /// The scope a key needs; nil: open (health and readiness).
    public var scope: APIScope?

    /// Whether `path` (percent-encoded, no query) is this endpoint.
    func matches(_ path: String) -> Bool {
        guard let brace = template.firstIndex(of: "{") else { return path == template }
        let prefix = template[..<brace]
        guard path.hasPrefix(prefix) else { return false }
        let rest = path.dropFirst(prefix.count)
        return !rest.isEmpty && !rest.contains("/")
    }
}

public enum APIRoutes {
    public static let all: [APIRoute] = [
        APIRoute(template: "/v1/classify", methods: [.post], scope: .submit),
        APIRoute(template: "/v1/emails", methods: [.post], scope: .submit),
        APIRoute(template: "/v1/emails/{id}", methods: [.get], scope: .read),
        APIRoute(template: "/v1/feedback", methods: [.post], scope: .feedback),
        APIRoute(template: "/healthz", methods: [.get], scope: nil),
        APIRoute(template: "/readyz", methods: [.get], scope: nil),
        APIRoute(template: "/metrics", methods: [.get], scope: .metrics),
    ]

    public static func route(for path: String) -> APIRoute? { all.first { $0.matches(path) } }
}

/// What the edge enforces; set from the gateway's flags.
public struct EdgePolicy: Sendable {
    /// nil: no authentication (a warning at start); the shipped topology always sets a keys file.
    public var keys: APIKeyRing?
    /// Whether GET /metrics needs a key with the `metrics` scope.
    public var protectMetrics = true
    /// Most bytes in one request body.
    public var maxBodyBytes = 16 * 1024 * 1024
    public init(keys: APIKeyRing? = nil) { self.keys = keys }
}

struct EdgeMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: EdgePolicy
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = APIRoutes.route(for: request.uri.path)
        let label = route?.template ?? "unmatched"
        do {
            try admit(request, route: route)
            let response = try await next(request, context)
            count(label, response.status.code)
            return response
        } catch let e as GatewayError {
            count(label, e.status.code)
            throw e
        } catch let e as any HTTPResponseError {
            count(label, e.status.code)
            throw e
        } catch {
            count(label, 500)
            throw error
        }
    }

    private func count(_ route: String, _ status: Int) {
        metrics.count("mailroom_gateway_http_requests_total", labels: ["route": route, "status": "\(status)"])
    }

    /// Throws the error the request gets without reaching its handler.
    private func admit(_ request: Request, route: APIRoute?) throws {
        guard let route else { throw GatewayError.noSuchEndpoint }
        guard route.methods.contains(request.method) else {
            throw GatewayError.methodNotAllowed(allowed: route.methods.map(\.rawValue))
        }
        if let keys = policy.keys, let scope = route.scope, scope != .metrics || policy.protectMetrics {
            switch keys.decide(authorization: request.headers[.authorization], scope: scope) {
            case .allowed: break
            case .unauthenticated:
                metrics.count("mailroom_gateway_auth_failures_total", labels: ["reason": "unauthenticated"])
                throw GatewayError.unauthorized
            case .forbidden:
                metrics.count("mailroom_gateway_auth_failures_total", labels: ["reason": "forbidden"])
                throw GatewayError.forbidden
            }
        }
        guard request.method == .post else { return }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > policy.maxBodyBytes {
            throw GatewayError.bodyTooLarge(bytes: length, limit: policy.maxBodyBytes)
        }
        let type = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard type == "application/json" else { throw GatewayError.unsupportedMediaType(type) }
    }
}
