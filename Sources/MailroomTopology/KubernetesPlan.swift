// KubernetesPlan: the topology read for a cluster. Every endpoint becomes tcp on a port of its own, bound on all
// interfaces by its owner and reached by the others through the owner's stable pod name
// (`tcp://cleaner-0.cleaner:5551`, a StatefulSet pod behind a headless Service); `{replica}` becomes the pod's
// ordinal. A process that binds no endpoint (the classifier: it connects to the cleaners) needs no stable name and
// runs as a Deployment, `{replica}` being its pod's name. Files the cluster supplies (API keys, router rules, the
// database URL) move to their Secret or ConfigMap.

/// One process of the topology as its StatefulSet or Deployment runs it.
struct KubernetesProcess: Sendable {
    /// The process name as a Kubernetes name: the workload, its headless Service and its pods' prefix.
    var name: String
    /// The executable's file name (`gateway`, `classifier`, …): the image has each on its PATH.
    var command: String
    var arguments: [String]
    /// The topology's `env.` entries (placeholders expanded), by name.
    var environment: [(String, String)]
    var replicas: Int
    /// Whether it binds endpoints that others connect to by its pods' names (a StatefulSet); false: it only
    /// connects, and runs as a Deployment.
    var bindsEndpoints: Bool
    /// The ports its container listens on: one per endpoint it binds, and its HTTP listener's.
    var ports: [(name: String, port: Int)]
    /// The HTTP listener Kubernetes probes and Prometheus scrapes (`--metrics-port`, else `--port`); nil: none.
    var httpPort: (name: String, port: Int)?
    var usesDatabase: Bool
    var usesAPIKeys: Bool
    var usesRouterRules: Bool
    /// The classifier: scaled on the queue depth, up to ``KubernetesPlan/classifierCeiling``.
    var isClassifier: Bool
    var isGateway: Bool
    /// `--threads N` (compute threads: the CPU it requests), 1 when absent.
    var threads: Int
}

struct KubernetesPlan: Sendable {
    var processes: [KubernetesProcess]
    /// The SQLite path (or URL) the topology's `database` names: the default of Secret `mailroom-database`.
    var database: String?
    var classifierCeiling: Int

    /// Where the cluster puts what the topology names as files.
    static let apiKeysPath = "/etc/mailroom/api-keys/api-keys"
    static let routerRulesPath = "/etc/mailroom/router/router.rules"
    /// What `{database}` reads: Kubernetes fills it in from Secret `mailroom-database`.
    static let databaseReference = "$(MAILROOM_DATABASE_URL)"
    static let replicaReference = "$(MAILROOM_REPLICA)"

    /// The workload kind that runs `p`: its pods need stable names only if others connect to them.
    static func workloadKind(_ p: KubernetesProcess) -> String { p.bindsEndpoints ? "StatefulSet" : "Deployment" }

    init(_ topology: Topology, options: KubernetesOptions) throws(TopologyError) {
        var cluster = topology
        let classifier = topology.processes.first { Self.executableName($0.executable) == "classifier" }
        classifierCeiling = options.classifierCeiling(replicas: classifier?.replicas ?? 1)
        // Ports: a tcp endpoint keeps its own; the others get the next free one from basePort.
        var taken = Set<Int>()
        var ports: [String: Int] = [:]
        for spec in topology.endpoints {
            let address = try topology.address(of: spec, replica: 0)
            if address.hasPrefix("tcp://"), let port = address.split(separator: ":").last.flatMap({ Int($0) }) {
                ports[spec.name] = port
                taken.insert(port)
            }
        }
        var next = options.basePort
        for spec in topology.endpoints where ports[spec.name] == nil {
            while taken.contains(next) { next += 1 }
            ports[spec.name] = next
            taken.insert(next)
        }
        var bind: [String: String] = [:]
        for (i, spec) in topology.endpoints.enumerated() {
            let owner = YAMLNode.dnsLabel(spec.owner)
            let port = ports[spec.name]!
            cluster.endpoints[i].address = "tcp://\(owner)-{replica}.\(owner):\(port)"
            bind[spec.name] = "tcp://*:\(port)"
        }
        var addressed: [String: Int] = [:]
        if let classifier { addressed[classifier.name] = classifierCeiling }
        cluster.rendering = RenderedAddressing(replicaText: Self.replicaReference, bindAddresses: bind,
                                               addressedReplicas: addressed)
        database = topology.variables["database"]
        if database != nil { cluster.variables["database"] = Self.databaseReference }
        if cluster.variables["api_keys"] != nil { cluster.variables["api_keys"] = Self.apiKeysPath }
        if cluster.variables["router_rules"] != nil { cluster.variables["router_rules"] = Self.routerRulesPath }

        var processes: [KubernetesProcess] = []
        for spec in cluster.processes {
            let instance = try cluster.instance(of: spec, replica: 0)  // one pod template for every replica
            let owned = topology.endpoints.filter { $0.owner == spec.name }
            var own = owned.map { endpoint in
                (name: YAMLNode.dnsLabel(String(endpoint.name.split(separator: ".", maxSplits: 1).last ?? ""), limit: 15),
                 port: ports[endpoint.name]!)
            }
            let http = Self.httpPort(instance.arguments)
            if let http, !own.contains(where: { $0.port == http.port }) { own.append(http) }
            let joined = instance.arguments.joined(separator: " ")
            let command = Self.executableName(instance.executable)
            processes.append(KubernetesProcess(
                name: YAMLNode.dnsLabel(spec.name), command: command, arguments: instance.arguments,
                environment: instance.environment.sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                replicas: spec.replicas, bindsEndpoints: !owned.isEmpty, ports: own, httpPort: http,
                usesDatabase: joined.contains(Self.databaseReference), usesAPIKeys: joined.contains(Self.apiKeysPath),
                usesRouterRules: joined.contains(Self.routerRulesPath),
                isClassifier: spec.name == classifier?.name, isGateway: command == "gateway",
                threads: Self.flagValue("--threads", in: instance.arguments).flatMap { Int($0) } ?? 1))
        }
        self.processes = processes
    }

    static func executableName(_ executable: String) -> String {
        String(executable.split(separator: "/").last ?? Substring(executable))
    }

    static func flagValue(_ flag: String, in arguments: [String]) -> String? {
        for (i, a) in arguments.enumerated() {
            if a == flag, i + 1 < arguments.count { return arguments[i + 1] }
            if a.hasPrefix(flag + "=") { return String(a.dropFirst(flag.count + 1)) }
        }
        return nil
    }

    /// `--metrics-port` (every stage's listener) or `--port` (the gateway's API, which has the probes too).
    static func httpPort(_ arguments: [String]) -> (name: String, port: Int)? {
        if let p = flagValue("--metrics-port", in: arguments).flatMap({ Int($0) }), p > 0 { return ("metrics", p) }
        if let p = flagValue("--port", in: arguments).flatMap({ Int($0) }), p > 0 { return ("http", p) }
        return nil
    }
}
