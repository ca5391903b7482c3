// KubernetesMonitoring: the `monitoring/` overlay: a ServiceMonitor (Prometheus Operator) for every process's
// /metrics and a Grafana dashboard as a ConfigMap (Grafana's sidecar loads ConfigMaps labelled grafana_dashboard).
import Foundation

extension KubernetesManifests {
    static func serviceMonitor(_ plan: KubernetesPlan, options: KubernetesOptions) -> YAMLNode {
        var endpoints: [YAMLNode] = [.map([("port", .string("metrics")), ("path", .string("/metrics")),
                                           ("interval", .string("15s"))])]
        if plan.processes.contains(where: { $0.isGateway }) {
            // The gateway's /metrics wants an API key with the metrics scope: `mailroom api-key new --scope metrics`.
            endpoints.append(.map([("port", .string("http")), ("path", .string("/metrics")), ("interval", .string("15s")),
                                   ("authorization", .map([("type", .string("Bearer")), ("credentials", .map([
                                       ("name", .string("mailroom-metrics-key")), ("key", .string("token"))]))]))]))
        }
        return .map([
            ("apiVersion", .string("monitoring.coreos.com/v1")),
            ("kind", .string("ServiceMonitor")),
            ("metadata", metadata("mailroom", component: "monitoring")),
            ("spec", .map([
                ("selector", .map([("matchLabels", .map([("app.kubernetes.io/name", .string("mailroom")),
                                                         ("mailroom.dev/scrape", .string("true"))]))])),
                ("endpoints", .list(endpoints)),
            ])),
        ])
    }

    /// The dashboard: throughput, the queue depth the autoscaler reads, classifier replicas, batch latency and size,
    /// readiness and model version per replica.
    static func dashboard(_ options: KubernetesOptions) -> String {
        let ns = "namespace=\"\(options.namespace)\""
        func panel(_ id: Int, _ title: String, _ exprs: [(String, String)], x: Int, y: Int, unit: String = "short") -> [String: Any] {
            [
                "id": id, "title": title, "type": "timeseries",
                "gridPos": ["x": x, "y": y, "w": 12, "h": 8],
                "datasource": ["type": "prometheus", "uid": "${datasource}"],
                "fieldConfig": ["defaults": ["unit": unit], "overrides": [] as [Any]],
                "targets": exprs.enumerated().map { i, e in
                    ["refId": String(UnicodeScalar(UInt8(65 + i))), "expr": e.0.replacingOccurrences(of: "NS", with: ns),
                     "legendFormat": e.1] as [String: Any]
                },
            ]
        }
        let panels: [[String: Any]] = [
            panel(1, "Emails routed per second", [("sum(rate(mailroom_gateway_results_total{NS}[5m]))", "routed"),
                                                  ("sum(rate(mailroom_gateway_emails_submitted_total{NS}[5m]))", "submitted")],
                  x: 0, y: 0, unit: "reqps"),
            panel(2, "Queue depth (accepted, no result yet): the autoscaler's input",
                  [(queueDepthQuery(options), "in flight")],
                  x: 12, y: 0),
            panel(3, "Classifier batch latency", [
                ("histogram_quantile(0.5, sum by (le) (rate(mailroom_stage_batch_seconds_bucket{stage=\"classifier\",NS}[5m])))", "p50"),
                ("histogram_quantile(0.95, sum by (le) (rate(mailroom_stage_batch_seconds_bucket{stage=\"classifier\",NS}[5m])))", "p95"),
            ], x: 0, y: 8, unit: "s"),
            panel(4, "Classifier batch size", [
                ("sum(rate(mailroom_stage_batch_size_sum{stage=\"classifier\",NS}[5m])) / sum(rate(mailroom_stage_batch_size_count{stage=\"classifier\",NS}[5m]))", "mean"),
            ], x: 12, y: 8),
            panel(5, "Ready replicas per stage", [("sum by (stage) (mailroom_stage_ready{NS})", "{{stage}}")], x: 0, y: 16),
            panel(6, "Model version per classifier replica", [("mailroom_model_info{NS}", "{{replica}}: {{version}}")], x: 12, y: 16),
        ]
        let dashboard: [String: Any] = [
            "title": "Mailroom", "uid": "mailroom", "schemaVersion": 39, "refresh": "30s",
            "time": ["from": "now-6h", "to": "now"],
            "templating": ["list": [["name": "datasource", "type": "datasource", "query": "prometheus"]]],
            "panels": panels,
        ]
        let data = try! JSONSerialization.data(withJSONObject: dashboard, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func dashboardConfigMap(_ options: KubernetesOptions) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")),
            ("kind", .string("ConfigMap")),
            ("metadata", .map([("name", .string("mailroom-dashboard")),
                               ("labels", .map([("app.kubernetes.io/name", .string("mailroom")), partOf,
                                                ("grafana_dashboard", .string("1"))]))])),
            ("data", .map([("mailroom.json", .string(dashboard(options)))])),
        ])
    }
}
