// StageMetricsServer: a stage replica's small HTTP listener (`--metrics-port`, `--metrics-host`): GET /metrics
// (StageMetrics), GET /healthz (the process is up) and GET /readyz (its handler is ready: 503 until then). It is what
// Prometheus scrapes and what Kubernetes probes; it runs beside the stage in the process's one ServiceGroup.
import Hummingbird
import Logging
import ServiceLifecycle

public enum StageMetricsServer {
    /// Where the listener listens, from a stage's flags.
    public struct Config: Sendable, Equatable {
        /// 0: no listener.
        public var port: Int
        public var host: String
        public init(port: Int = 0, host: String = "127.0.0.1") { self.port = port; self.host = host }

        /// Reads `--metrics-port` (default 0: none; replica N listens on it + N, as the gateway's `--port`, unless
        /// `--replica-port-offset false`: each replica has an address of its own, a Kubernetes pod) and
        /// `--metrics-host` (default 127.0.0.1; 0.0.0.0 in a cluster).
        public init(options: StageOptions) throws {
            let base = try options.int("metrics-port", default: 0)
            guard (0...65535).contains(base) else {
                throw OptionsError.invalid(flag: "metrics-port", value: "\(base)", expected: "a port in 1...65535, or 0 for no listener")
            }
            let offset = try options.bool("replica-port-offset", default: true) ? try options.replica() : 0
            guard base == 0 || base + offset <= 65535 else {
                throw OptionsError.invalid(flag: "metrics-port", value: "\(base)", expected: "a port with --metrics-port + replica at most 65535")
            }
            self.init(port: base == 0 ? 0 : base + offset, host: options.string("metrics-host", default: "127.0.0.1"))
        }
    }

    /// The routes, on their own for tests.
    public static func buildRouter(metrics: StageMetrics) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in health() }
        router.get("/readyz") { _, _ -> Response in readiness(metrics.ready) }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = PrometheusText.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        return router
    }

    /// A stage's extra Services from its flags: the listener, or none without `--metrics-port`.
    public static func services(options: StageOptions, logger: Logger, metrics: StageMetrics) throws -> [any Service] {
        service(config: try Config(options: options), metrics: metrics, logger: logger).map { [$0] } ?? []
    }

    /// The listener as a Service; nil when `config.port` is 0.
    public static func service(config: Config, metrics: StageMetrics, logger: Logger) -> (any Service)? {
        guard config.port > 0 else { return nil }
        let app = Application(router: buildRouter(metrics: metrics),
                              configuration: .init(address: .hostname(config.host, port: config.port),
                                                   serverName: "mailroom-\(metrics.stage)"),
                              logger: logger)
        return NamedListener(app, what: "the \(metrics.stage)'s /metrics listener", host: config.host, port: config.port,
                             flag: "--metrics-port")
    }

    /// GET /healthz: 200 `{"status":"ok"}` (the process is up).
    public static func health() -> Response { json(.ok, #"{"status":"ok"}"#) }

    /// GET /readyz: 200 `{"status":"ready"}`, or 503 `{"status":"starting"}` until the handler is ready.
    public static func readiness(_ ready: Bool) -> Response {
        ready ? json(.ok, #"{"status":"ready"}"#) : json(.serviceUnavailable, #"{"status":"starting"}"#)
    }

    private static func json(_ status: HTTPResponse.Status, _ body: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
