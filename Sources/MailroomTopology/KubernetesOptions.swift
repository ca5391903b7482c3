// KubernetesOptions: what `mailroom topology render --target kubernetes` needs besides the topology itself.

public struct KubernetesOptions: Sendable, Equatable {
    /// The one image every process runs (the Containerfile builds it).
    public var image = "mailroom:latest"
    /// The namespace everything goes into (kustomize sets it on every object).
    public var namespace = "mailroom"
    /// The working directory inside the image: the topology's relative paths are relative to it.
    public var workingDirectory = "/srv/mailroom"
    /// The PersistentVolumeClaim mounted at `.mailroom` under the working directory (registry, journals, store).
    public var stateClaim = "mailroom-state"
    public var stateSize = "20Gi"
    /// nil: the cluster's default StorageClass (it must offer ReadWriteMany: every pod mounts the state).
    public var storageClass: String?
    /// The most classifier replicas the autoscaler may run; nil: four times the topology's replicas (at least 4).
    public var maxClassifiers: Int?
    /// Ports for endpoints that have none (ipc:// on one machine) are taken from here upwards.
    public var basePort = 5550
    /// Accepted emails without a result per classifier replica at which the autoscaler adds one (KEDA).
    public var inFlightPerClassifier = 64
    /// The Prometheus KEDA asks.
    public var prometheusURL = "http://prometheus-operated.monitoring.svc:9090"
    /// The topology file's text (ConfigMap `mailroom-topology`).
    public var topologyText = ""
    /// The router rules' text, when the topology names them (`router_rules`): ConfigMap `mailroom-router-rules`.
    public var routerRules: String?

    public init() {}

    /// ``maxClassifiers`` for a topology with `replicas` classifiers.
    func classifierCeiling(replicas: Int) -> Int { max(maxClassifiers ?? max(4, 4 * replicas), replicas, 1) }
}
