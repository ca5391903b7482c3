// KubernetesWorkloads: one workload per process and its headless Service; the gateway's load-balanced HTTP Service.
// A process that binds endpoints is a StatefulSet (stable pod names: every replica binds its own endpoints, which its
// peers reach as `NAME-N.NAME`, and keeps its journal or outbox under its ordinal); one that only connects (the
// classifier) is a Deployment: any pod takes work as soon as it connects, and a rolling update starts the new pod
// before it stops an old one.

extension KubernetesManifests {
    static let partOf: (String, YAMLNode) = ("app.kubernetes.io/part-of", .string("mailroom"))

    static func labels(_ component: String, scrape: Bool? = nil) -> YAMLNode {
        .map([("app.kubernetes.io/name", .string("mailroom")), ("app.kubernetes.io/component", .string(component)), partOf]
             + (scrape.map { [("mailroom.dev/scrape", .string($0 ? "true" : "false"))] } ?? []))
    }

    static func selector(_ component: String) -> YAMLNode {
        .map([("app.kubernetes.io/name", .string("mailroom")), ("app.kubernetes.io/component", .string(component))])
    }

    static func metadata(_ name: String, component: String, extra: [(String, YAMLNode)] = []) -> YAMLNode {
        .map([("name", .string(name)), ("labels", labels(component))] + extra)
    }

    /// The file a process's workload is written to.
    static func workloadFile(_ p: KubernetesProcess) -> String {
        "\(KubernetesPlan.workloadKind(p).lowercased())-\(p.name).yaml"
    }

    static func workload(_ p: KubernetesProcess, plan: KubernetesPlan, options: KubernetesOptions) -> YAMLNode {
        // A StatefulSet pod's ordinal is its replica number (`--replica`, journal names; Kubernetes 1.28+ labels
        // it); a Deployment pod's name stands for it (the stage turns it into a stable number for its heartbeats).
        let replicaField = p.bindsEndpoints ? "metadata.labels['apps.kubernetes.io/pod-index']" : "metadata.name"
        var env: [YAMLNode] = [
            .map([("name", .string("MAILROOM_REPLICA")), ("valueFrom", .map([("fieldRef", .map([
                ("fieldPath", .string(replicaField))]))]))]),
            // Listen on the pod's address, not loopback; one port per replica (each pod has an address of its own).
            .map([("name", .string("MAILROOM_HOST")), ("value", .string("0.0.0.0"))]),
            .map([("name", .string("MAILROOM_METRICS_HOST")), ("value", .string("0.0.0.0"))]),
            .map([("name", .string("MAILROOM_REPLICA_PORT_OFFSET")), ("value", .string("false"))]),
        ]
        if p.usesDatabase {
            env.append(.map([("name", .string("MAILROOM_DATABASE_URL")), ("valueFrom", .map([("secretKeyRef", .map([
                ("name", .string("mailroom-database")), ("key", .string("url"))]))]))]))
        }
        for (name, value) in p.environment { env.append(.map([("name", .string(name)), ("value", .string(value))])) }

        var mounts: [YAMLNode] = [.map([("name", .string("state")),
                                        ("mountPath", .string(options.workingDirectory + "/.mailroom"))])]
        var volumes: [YAMLNode] = [.map([("name", .string("state")),
                                         ("persistentVolumeClaim", .map([("claimName", .string(options.stateClaim))]))])]
        if p.usesAPIKeys {
            mounts.append(.map([("name", .string("api-keys")), ("mountPath", .string("/etc/mailroom/api-keys")), ("readOnly", .bool(true))]))
            volumes.append(.map([("name", .string("api-keys")), ("secret", .map([
                ("secretName", .string("mailroom-api-keys")), ("items", .list([.map([("key", .string("api-keys")), ("path", .string("api-keys"))])]))]))]))
        }
        if p.usesRouterRules {
            mounts.append(.map([("name", .string("router-rules")), ("mountPath", .string("/etc/mailroom/router")), ("readOnly", .bool(true))]))
            volumes.append(.map([("name", .string("router-rules")), ("configMap", .map([("name", .string("mailroom-router-rules"))]))]))
        }

        var container: [(String, YAMLNode)] = [
            ("name", .string(p.name)),
            ("image", .string(options.image)),
            ("workingDir", .string(options.workingDirectory)),
            ("command", .list([.string(p.command)])),
            ("args", .list(p.arguments.map { .string($0) })),
            ("env", .list(env)),
            ("ports", .list(p.ports.map { .map([("name", .string($0.name)), ("containerPort", .int($0.port))]) })),
        ]
        if let http = p.httpPort {
            let get = { (path: String) -> YAMLNode in .map([("path", .string(path)), ("port", .string(http.name))]) }
            // A classifier loading a large model is not killed for it: the startup probe allows five minutes.
            container.append(("startupProbe", .map([("httpGet", get("/healthz")), ("periodSeconds", .int(5)),
                                                    ("failureThreshold", .int(60))])))
            container.append(("livenessProbe", .map([("httpGet", get("/healthz")), ("periodSeconds", .int(10)),
                                                     ("timeoutSeconds", .int(3)), ("failureThreshold", .int(3))])))
            container.append(("readinessProbe", .map([("httpGet", get("/readyz")), ("periodSeconds", .int(5)),
                                                      ("timeoutSeconds", .int(3)), ("failureThreshold", .int(2))])))
        }
        container.append(("resources", resources(p)))
        container.append(("volumeMounts", .list(mounts)))
        container.append(("securityContext", .map([("allowPrivilegeEscalation", .bool(false)),
                                                   ("capabilities", .map([("drop", .list([.string("ALL")]))]))])))

        let pod: YAMLNode = .map([
            ("metadata", .map([("labels", labels(p.name))])),
            ("spec", .map([
                ("securityContext", .map([("runAsNonRoot", .bool(true)), ("runAsUser", .int(10001)),
                                          ("runAsGroup", .int(10001)), ("fsGroup", .int(10001))])),
                // Long enough for the stage to drain what it holds (the runtime's drain time) and say goodbye.
                ("terminationGracePeriodSeconds", .int(30)),
                ("containers", .list([.map(container)])),
                ("volumes", .list(volumes)),
            ])),
        ])
        // The autoscaled classifier leaves its replica count to the autoscaler (its minimum is the topology's):
        // applying the manifests again does not undo a scale-out.
        let replicas: [(String, YAMLNode)] = p.isClassifier ? [] : [("replicas", .int(p.replicas))]
        let ordering: [(String, YAMLNode)] = p.bindsEndpoints
            // Replicas start and stop together: none waits for another (ZeroMQ connects whenever a peer comes).
            ? [("serviceName", .string(p.name))] + replicas + [("podManagementPolicy", .string("Parallel"))]
            // An update keeps every replica serving: the new pod loads its model before an old one goes.
            : replicas + [("strategy", .map([("type", .string("RollingUpdate")), ("rollingUpdate", .map([
                ("maxSurge", .int(1)), ("maxUnavailable", .int(0))]))]))]
        return .map([
            ("apiVersion", .string("apps/v1")),
            ("kind", .string(KubernetesPlan.workloadKind(p))),
            ("metadata", metadata(p.name, component: p.name)),
            ("spec", .map(ordering + [
                ("selector", .map([("matchLabels", selector(p.name))])),
                ("template", pod),
            ])),
        ])
    }

    static func resources(_ p: KubernetesProcess) -> YAMLNode {
        let (cpu, memory, limit): (String, String, String) =
            p.isClassifier ? (String(p.threads), "2Gi", "6Gi")
            : p.isGateway ? ("250m", "256Mi", "1Gi")
            : ("100m", "128Mi", "1Gi")
        return .map([("requests", .map([("cpu", .string(cpu)), ("memory", .string(memory))])),
                     ("limits", .map([("memory", .string(limit))]))])
    }

    /// Headless: `NAME-N.NAME` resolves to replica N as soon as its pod exists (publishNotReadyAddresses), so peers
    /// connect while it loads; ZeroMQ only sends once the connection is up. A Deployment's Service holds only its
    /// listener, for Prometheus.
    static func headlessService(_ p: KubernetesProcess) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")),
            ("kind", .string("Service")),
            // The ServiceMonitor scrapes every pod behind the headless Services that have a listener.
            ("metadata", .map([("name", .string(p.name)), ("labels", labels(p.name, scrape: p.httpPort != nil))])),
            ("spec", .map([
                ("clusterIP", .string("None")),
                ("publishNotReadyAddresses", .bool(true)),
                ("selector", selector(p.name)),
                ("ports", .list(p.ports.map { .map([("name", .string($0.name)), ("port", .int($0.port)),
                                                    ("targetPort", .string($0.name))]) })),
            ])),
        ])
    }

    /// The CRM's one address: every ready gateway replica behind it (any replica answers any email's status).
    static func gatewayService(_ p: KubernetesProcess) -> YAMLNode? {
        guard p.isGateway, let http = p.httpPort else { return nil }
        return .map([
            ("apiVersion", .string("v1")),
            ("kind", .string("Service")),
            ("metadata", metadata(p.name + "-http", component: p.name)),
            ("spec", .map([
                ("type", .string("ClusterIP")),
                ("selector", selector(p.name)),
                ("ports", .list([.map([("name", .string("http")), ("port", .int(http.port)), ("targetPort", .string(http.name))])])),
            ])),
        ])
    }
}
