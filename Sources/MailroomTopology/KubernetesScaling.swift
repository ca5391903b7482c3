// KubernetesScaling: the classifier's disruption budget and autoscaling: an HPA on CPU in the base (works on any
// cluster), replaced in the `keda/` overlay by a KEDA ScaledObject on the queue depth Prometheus reads (with CPU
// as a second trigger).

extension KubernetesManifests {
    /// A drain or upgrade takes at most one classifier replica away at a time.
    static func disruptionBudget(_ p: KubernetesProcess) -> YAMLNode {
        .map([
            ("apiVersion", .string("policy/v1")),
            ("kind", .string("PodDisruptionBudget")),
            ("metadata", metadata(p.name, component: p.name)),
            ("spec", .map([("maxUnavailable", .int(1)), ("selector", .map([("matchLabels", selector(p.name))]))])),
        ])
    }

    static func scaleTarget(_ p: KubernetesProcess) -> YAMLNode {
        .map([("apiVersion", .string("apps/v1")), ("kind", .string(KubernetesPlan.workloadKind(p))), ("name", .string(p.name))])
    }

    static func cpuAutoscaler(_ p: KubernetesProcess, ceiling: Int) -> YAMLNode {
        .map([
            ("apiVersion", .string("autoscaling/v2")),
            ("kind", .string("HorizontalPodAutoscaler")),
            ("metadata", metadata(p.name, component: p.name)),
            ("spec", .map([
                ("scaleTargetRef", scaleTarget(p)),
                ("minReplicas", .int(max(p.replicas, 1))),
                ("maxReplicas", .int(ceiling)),
                ("metrics", .list([.map([("type", .string("Resource")), ("resource", .map([
                    ("name", .string("cpu")),
                    ("target", .map([("type", .string("Utilization")), ("averageUtilization", .int(70))])),
                ]))])])),
            ])),
        ])
    }

    /// The queue the classifiers work off: emails the gateways accepted and have no result for yet. The classifier
    /// is the pipeline's slow stage, so that is its queue (a stage's own gauge holds at most one batch: the rest
    /// waits in ZeroMQ's buffers, which no socket reports).
    static func queueDepthQuery(_ options: KubernetesOptions) -> String {
        "sum(mailroom_gateway_in_flight{namespace=\"\(options.namespace)\"})"
    }

    static func scaledObject(_ p: KubernetesProcess, ceiling: Int, options: KubernetesOptions) -> YAMLNode {
        .map([
            ("apiVersion", .string("keda.sh/v1alpha1")),
            ("kind", .string("ScaledObject")),
            ("metadata", metadata(p.name, component: p.name)),
            ("spec", .map([
                ("scaleTargetRef", scaleTarget(p)),
                ("minReplicaCount", .int(max(p.replicas, 1))),
                ("maxReplicaCount", .int(ceiling)),
                ("pollingInterval", .int(15)),
                // Scale down only after five quiet minutes: a model load costs more than an idle replica.
                ("cooldownPeriod", .int(300)),
                // Prometheus unreachable: hold the replicas the topology declares rather than guess.
                ("fallback", .map([("failureThreshold", .int(3)), ("replicas", .int(max(p.replicas, 1)))])),
                ("triggers", .list([
                    .map([("type", .string("prometheus")), ("metadata", .map([
                        ("serverAddress", .string(options.prometheusURL)),
                        ("query", .string(queueDepthQuery(options))),
                        ("threshold", .string(String(options.inFlightPerClassifier))),
                    ]))]),
                    .map([("type", .string("cpu")), ("metricType", .string("Utilization")),
                          ("metadata", .map([("value", .string("70"))]))]),
                ])),
            ])),
        ])
    }
}
