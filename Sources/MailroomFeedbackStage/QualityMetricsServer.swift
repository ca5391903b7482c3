// QualityMetricsServer: the feedback-collector's small HTTP listener (`--metrics-port`): GET /metrics (live quality,
// drift, input mix and retrain status in the Prometheus text format, then the stage figures every stage exports),
// GET /healthz and GET /readyz. It runs as a second Service beside the stage in the process's ServiceGroup, so
// SIGTERM stops both.
import Hummingbird
import Logging
import MailroomRuntime
import ServiceLifecycle

public enum QualityMetricsServer {
    /// The routes, on their own for tests (`app.test(.router)`).
    public static func buildRouter(source: QualityMetricsSource, stage: StageMetrics? = nil) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/readyz") { _, _ -> Response in StageMetricsServer.readiness(stage?.ready ?? true) }
        router.get("/healthz") { _, _ -> Response in StageMetricsServer.health() }
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = PrometheusText.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: await source.metrics() + (stage?.render() ?? ""))))
        }
        return router
    }

    /// The collector's extra Services from its flags (``QualityMetricsConfig/init(options:)``): the listener, or none
    /// without `--metrics-port`.
    public static func services(options: StageOptions, logger: Logger, metrics: StageMetrics) throws -> [any Service] {
        service(config: try QualityMetricsConfig(options: options), stage: metrics, logger: logger).map { [$0] } ?? []
    }

    /// The listener as a Service; nil when `config.port` is 0 (no listener).
    public static func service(config: QualityMetricsConfig, stage: StageMetrics? = nil, logger: Logger) -> (any Service)? {
        guard config.port > 0 else { return nil }
        let source = QualityMetricsSource(config: config, logger: logger)
        let app = Application(router: buildRouter(source: source, stage: stage),
                              configuration: .init(address: .hostname(config.host, port: config.port),
                                                   serverName: "mailroom-feedback-collector"),
                              logger: logger)
        return NamedListener(app, what: "the feedback-collector's /metrics listener", host: config.host, port: config.port,
                             flag: "--metrics-port")
    }
}
