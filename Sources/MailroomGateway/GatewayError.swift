// GatewayError: every way a request can fail, each with an HTTP status and a message the client can act on.
import Foundation
import Hummingbird
import MailroomCore

/// Errors the gateway returns as `{"error": {"type": ..., "message": ...}}`.
public enum GatewayError: Error, Sendable, CustomStringConvertible {
    case invalidJSON(String)
    case validation(String)
    case batchTooLarge(count: Int, limit: Int)
    case overloaded(inFlight: Int, limit: Int)
    /// The queue to the cleaners is full (they are slower than the intake, or down): back-pressure reached HTTP.
    case pipelineFull(capacity: Int)
    case timeout(ids: [String], seconds: Double)
    case notFound(String)
    /// An id accepted before with other content (ids are idempotency keys).
    case conflict(ids: [String])
    /// The gateway's journal cannot be written or read (disk full, permissions): nothing was accepted.
    case journal(String)
    case transport(String)
    /// No API key, or one the gateway does not hold (401; the message says no more).
    case unauthorized
    /// A valid key without the scope this endpoint needs (403).
    case forbidden
    /// A path the API does not have (404).
    case noSuchEndpoint
    /// A method the endpoint does not take (405, with `Allow`).
    case methodNotAllowed(allowed: [String])
    /// A request body that is not `application/json` (415).
    case unsupportedMediaType(String?)
    /// Content-Length over the limit, refused before the body is read (413).
    case bodyTooLarge(bytes: Int?, limit: Int)
    /// The body's framing broke while it was read (a bad chunk size, a connection closed mid-body).
    case unreadableBody(String)

    public var type: String {
        switch self {
        case .invalidJSON: "invalid_json"
        case .validation: "validation"
        case .batchTooLarge: "batch_too_large"
        case .overloaded: "overloaded"
        case .pipelineFull: "pipeline_full"
        case .timeout: "timeout"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .journal: "journal_unavailable"
        case .transport: "transport"
        case .unauthorized: "unauthorized"
        case .forbidden: "forbidden"
        case .noSuchEndpoint: "no_such_endpoint"
        case .methodNotAllowed: "method_not_allowed"
        case .unsupportedMediaType: "unsupported_media_type"
        case .bodyTooLarge: "body_too_large"
        case .unreadableBody: "unreadable_body"
        }
    }

    public var status: HTTPResponse.Status {
        switch self {
        case .invalidJSON: .badRequest
        case .validation: .unprocessableContent
        case .batchTooLarge: .unprocessableContent
        case .bodyTooLarge: .contentTooLarge
        case .unreadableBody: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .noSuchEndpoint: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .unsupportedMediaType: .unsupportedMediaType
        case .overloaded, .pipelineFull: .tooManyRequests
        case .timeout: .gatewayTimeout
        case .notFound: .notFound
        case .conflict: .conflict
        case .journal: .serviceUnavailable
        case .transport: .serviceUnavailable
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let m): "request body is not valid JSON for this endpoint: \(m)"
        case .validation(let m): m
        case .batchTooLarge(let c, let l): "batch holds \(c) emails; the limit is \(l): split it into smaller batches"
        case .overloaded(let n, let l):
            "\(n) emails are in flight (limit \(l)); retry after a short wait or use POST /v1/emails"
        case .pipelineFull(let c):
            "the pipeline's intake queue is full (\(c) emails waiting for a cleaner); retry after Retry-After seconds"
        case .timeout(let ids, let s):
            "no result within \(Int(s)) s for \(ids.count) email(s) (\(ids.prefix(5).joined(separator: ", "))); they stay queued: poll GET /v1/emails/{id}"
        case .notFound(let id): "no email with id \(id) was submitted (or its result has expired)"
        case .conflict(let ids):
            "id \(ids.prefix(5).joined(separator: ", ")) was already accepted with different content; an id is an idempotency key: use a new id for a new email"
        case .journal(let m): "the gateway cannot record emails right now (\(m)); nothing was accepted: retry later"
        case .transport(let m): "pipeline unavailable: \(m)"
        case .unauthorized: "a valid API key is required: send `Authorization: Bearer KEY`"
        case .forbidden: "this API key may not use this endpoint"
        case .noSuchEndpoint: "no such endpoint: see API/openapi.json"
        case .methodNotAllowed(let allowed): "this endpoint takes \(allowed.joined(separator: ", ")) only"
        case .unsupportedMediaType(let type):
            "the request body must be JSON (Content-Type: application/json), not \(type.map { quotedForMessage($0) } ?? "a body without a Content-Type")"
        case .bodyTooLarge(let bytes, let limit):
            "the request body is \(bytes.map { "\($0) bytes" } ?? "over the limit"); the limit is \(limit / 1_048_576) MiB: split the batch"
        case .unreadableBody(let reason): "the request body could not be read (\(reason)): check its Content-Length or chunked encoding"
        }
    }
}

struct ErrorBody: Codable {
    struct Inner: Codable { var type: String; var message: String }
    var error: Inner
}

extension GatewayError: HTTPResponseError {
    /// Seconds a client should wait before retrying (sent as `Retry-After`), for the errors that pass with time.
    public var retryAfterSeconds: Int? {
        switch self {
        case .overloaded, .pipelineFull: 1
        default: nil
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: .init(type: type, message: description))
        let data = try JSONEncoder().encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        if let seconds = retryAfterSeconds { headers[.retryAfter] = "\(seconds)" }
        if case .methodNotAllowed(let allowed) = self { headers[.allow] = allowed.joined(separator: ", ") }
        if case .unauthorized = self { headers[.wwwAuthenticate] = "Bearer realm=\"mailroom\"" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
