// KubernetesRenderTests: `mailroom topology render --target kubernetes` of the shipped topology and of a scaled one
// against golden files (Tests/Fixtures/kubernetes; MAILROOM_UPDATE_GOLDEN=1 rewrites them after a deliberate
// change), and what must hold whatever the golden files say: no ipc left, every address a peer connects to is a
// port its owner's StatefulSet, Service and container declare, the classifier (it binds nothing) a Deployment that
// connects to every cleaner, replicas and probes as the topology says. Scripts/check-manifests validates the same output against the Kubernetes schemas.
import Foundation
import MailroomTestSupport
@testable import MailroomTopology
import Testing

@Suite struct KubernetesRenderTests {
    static let shippedText: String = (try? String(contentsOfFile: RepositoryPaths.file("Topology/mailroom.topology"), encoding: .utf8)) ?? ""

    /// The shipped topology with 2 gateways, 2 cleaners, 2 classifiers and 2 routers.
    static var scaledText: String {
        var section = ""
        return shippedText.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("[") { section = String(line) }
            let scaled = ["[process gateway]", "[process cleaner]", "[process classifier]", "[process router]"].contains(section)
            return scaled && line.hasPrefix("replicas = 1") ? "replicas = 2" : String(line)
        }.joined(separator: "\n")
    }

    static func render(_ text: String) throws -> [String: String] {
        let topology = try Topology.parse(text, file: "Topology/mailroom.topology")
        var options = KubernetesOptions()
        options.topologyText = text
        options.routerRules = try String(contentsOfFile: RepositoryPaths.file("Config/router.rules"), encoding: .utf8)
        return try KubernetesManifests.render(topology, options: options)
    }

    @Test(arguments: ["default", "scaled"]) func matchesTheGoldenFiles(_ name: String) throws {
        let files = try Self.render(name == "default" ? Self.shippedText : Self.scaledText)
        let folder = RepositoryPaths.fixtures("kubernetes/" + name)
        let fm = FileManager.default
        if ProcessInfo.processInfo.environment["MAILROOM_UPDATE_GOLDEN"] == "1" {
            try? fm.removeItem(atPath: folder)
            for (path, text) in files {
                let target = (folder as NSString).appendingPathComponent(path)
                try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try text.write(toFile: target, atomically: true, encoding: .utf8)
            }
        }
        let golden = (fm.enumerator(atPath: folder)?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".yaml") }
        #expect(Set(golden) == Set(files.keys), "files differ from \(folder); after a deliberate change run MAILROOM_UPDATE_GOLDEN=1 swift test --filter KubernetesRender")
        for (path, text) in files {
            let expected = try? String(contentsOfFile: (folder as NSString).appendingPathComponent(path), encoding: .utf8)
            #expect(expected == text, "\(name)/\(path) differs from the golden file; after a deliberate change run MAILROOM_UPDATE_GOLDEN=1 swift test --filter KubernetesRender")
        }
    }

    @Test(arguments: ["default", "scaled"]) func everyAddressAPeerConnectsToIsDeclaredByItsOwner(_ name: String) throws {
        let text = name == "default" ? Self.shippedText : Self.scaledText
        let files = try Self.render(text)
        let all = files.filter { $0.key != "base/configmap-topology.yaml" }.values.joined()  // that one is the source
        #expect(!all.contains("ipc://"), "an ipc endpoint reached the cluster")
        #expect(!all.contains("127.0.0.1"), "a loopback address reached the cluster")
        // tcp://OWNER-N.OWNER:PORT in any args: OWNER's Service and container declare PORT.
        let pattern = try Regex(#"tcp://([a-z0-9-]+)-([0-9]+)\.([a-z0-9-]+):([0-9]+)"#)
        var checked = 0
        for (path, text) in files where path.hasPrefix("base/statefulset-") || path.hasPrefix("base/deployment-") {
            for match in text.matches(of: pattern) {
                let owner = String(match.output[1].substring!), service = String(match.output[3].substring!)
                let port = String(match.output[4].substring!)
                #expect(owner == service)
                let ownerService = try #require(files["base/service-\(owner).yaml"], "no Service \(owner)")
                #expect(ownerService.contains("port: \(port)\n"), "\(owner)'s Service has no port \(port) (\(path))")
                #expect(files["base/statefulset-\(owner).yaml"]?.contains("containerPort: \(port)\n") == true)
                checked += 1
            }
            // A StatefulSet's pods bind what they own; a Deployment's pods bind nothing (no peer could name them).
            #expect(text.contains("tcp://*:") == path.hasPrefix("base/statefulset-"), "\(path)")
        }
        #expect(checked >= 10)
    }

    @Test func replicasAutoscalingAndProbesFollowTheTopology() throws {
        let files = try Self.render(Self.scaledText)
        let gateway = try #require(files["base/statefulset-gateway.yaml"])
        #expect(gateway.contains("  replicas: 2\n"))
        // The router answers the gateway replica that holds the request: both gateways, in replica order.
        let router = try #require(files["base/statefulset-router.yaml"])
        #expect(router.contains("tcp://gateway-0.gateway:5555,tcp://gateway-1.gateway:5555"))
        // The classifier binds nothing: a Deployment whose pods connect to both cleaners (each deals round-robin to
        // the classifiers connected), and no StatefulSet of it.
        #expect(files["base/statefulset-classifier.yaml"] == nil)
        let classifier = try #require(files["base/deployment-classifier.yaml"])
        #expect(classifier.contains("kind: Deployment\n") && !classifier.contains("serviceName:"))
        #expect(classifier.contains("\"--pull-from\"") && classifier.contains("\"tcp://cleaner-0.cleaner:5551,tcp://cleaner-1.cleaner:5551\""))
        #expect(classifier.contains("fieldPath: metadata.name\n") && !classifier.contains("pod-index"))
        #expect(classifier.contains("maxUnavailable: 0\n") && classifier.contains("maxSurge: 1\n"))
        let cleaner = try #require(files["base/statefulset-cleaner.yaml"])
        #expect(cleaner.contains("\"--push-bind\"") && cleaner.contains("\"tcp://*:5551\"") && !cleaner.contains("classifier-0"))
        // The autoscaler owns the classifier's replica count (applying again must not undo a scale-out).
        #expect(!classifier.contains("  replicas:"))
        let hpa = try #require(files["base/hpa-classifier.yaml"])
        #expect(hpa.contains("minReplicas: 2\n") && hpa.contains("maxReplicas: 8\n") && hpa.contains("kind: Deployment\n"))
        let keda = try #require(files["keda/scaledobject-classifier.yaml"])
        #expect(keda.contains("sum(mailroom_gateway_in_flight{namespace=") && keda.contains("maxReplicaCount: 8\n")
                && keda.contains("kind: Deployment\n"))
        // Each pod is its replica: --replica and the journal names read the pod's ordinal.
        #expect(gateway.contains("gateway-$(MAILROOM_REPLICA).sqlite") && gateway.contains("apps.kubernetes.io/pod-index"))
        // Probes on each process's own listener; the database URL from its Secret; API keys from theirs.
        for p in ["gateway", "cleaner", "classifier", "router", "feedback-collector"] {
            let s = try #require(files["base/statefulset-\(p).yaml"] ?? files["base/deployment-\(p).yaml"])
            #expect(s.contains("readinessProbe:") && s.contains("path: /readyz") && s.contains("startupProbe:"), "\(p) has no probes")
        }
        let collector = try #require(files["base/statefulset-feedback-collector.yaml"])
        #expect(collector.contains("$(MAILROOM_DATABASE_URL)") && collector.contains("name: mailroom-database"))
        #expect(gateway.contains("secretName: mailroom-api-keys") && gateway.contains(KubernetesPlan.apiKeysPath))
        #expect(try #require(files["base/cronjob-retrain.yaml"]).contains("$(MAILROOM_DATABASE_URL)"))
    }

    @Test func aPostgresURLIsNeverWrittenIntoTheManifests() throws {
        let text = Self.shippedText.replacingOccurrences(of: "database = .mailroom/feedback.sqlite",
                                                         with: "database = postgres://mailroom:s3cret@db:5432/mailroom")
        #expect(text != Self.shippedText)
        let files = try Self.render(text)
        let all = files.values.joined()
        #expect(!all.contains("s3cret") && !all.contains("secretGenerator"))
        #expect(try #require(files["base/configmap-topology.yaml"]).contains("postgres://mailroom:…@db:5432/mailroom"))
        #expect(try #require(files["base/statefulset-feedback-collector.yaml"]).contains("$(MAILROOM_DATABASE_URL)"))
    }

    @Test func journalsOnTheServerReadItsSecretAndReplicatedFileJournalsAreAdvisedAgainst() throws {
        let options = KubernetesOptions()
        // Scaled, with journals and outboxes in SQLite files on the shared volume: advised against.
        let advice = try KubernetesManifests.advice(try Topology.parse(Self.scaledText, file: "t"), options: options)
        #expect(advice.count == 2 && advice[0].hasPrefix("gateway runs 2 replicas with --journal")
                && advice[1].hasPrefix("router runs 2 replicas with --outbox"), "\(advice)")
        #expect(try KubernetesManifests.advice(try Topology.parse(Self.shippedText, file: "t"), options: options).isEmpty,
                "one replica of each: its own file is fine")
        // Scaled, on PostgreSQL: every replica journals to the server whose URL the Secret holds.
        let text = Self.scaledText
            .replacingOccurrences(of: "database = .mailroom/feedback.sqlite", with: "database = postgres://mailroom:s3cret@db:5432/mailroom")
            .replacingOccurrences(of: "--journal {journal_dir}/gateway-{replica}.sqlite", with: "--journal {database}")
            .replacingOccurrences(of: "--outbox {journal_dir}/router-{replica}.sqlite", with: "--outbox {database}")
        #expect(try KubernetesManifests.advice(try Topology.parse(text, file: "t"), options: options).isEmpty)
        // Two collectors on the SQLite store: advised against (one writer); on the server they may write together.
        let collectors = { (t: String) in t.replacingOccurrences(of: "replicas = 1\nexecutable = feedback-collector",
                                                                 with: "replicas = 2\nexecutable = feedback-collector") }
        #expect(collectors(Self.shippedText) != Self.shippedText)
        let oneWriter = try KubernetesManifests.advice(try Topology.parse(collectors(Self.shippedText), file: "t"), options: options)
        #expect(oneWriter.count == 1 && oneWriter[0].hasPrefix("feedback-collector runs 2 replicas with --database .mailroom/feedback.sqlite"),
                "\(oneWriter)")
        #expect(try KubernetesManifests.advice(try Topology.parse(collectors(text), file: "t"), options: options).isEmpty)
        let files = try Self.render(text)
        for name in ["gateway", "router"] {
            let set = try #require(files["base/statefulset-\(name).yaml"])
            #expect(set.contains("$(MAILROOM_DATABASE_URL)") && set.contains("name: mailroom-database") && !set.contains(".sqlite"),
                    "\(name) should journal to the server named by the Secret")
        }
        #expect(!files.values.joined().contains("s3cret"))
    }

    @Test func yamlScalarsThatCouldReadAsSomethingElseAreQuoted() {
        #expect(YAMLNode.quoted("classifier") == "classifier")
        #expect(YAMLNode.quoted("/srv/mailroom") == "/srv/mailroom")
        for s in ["true", "no", "1", "0.0.0.0", "tcp://*:5551", "", "a b", "--pull", "$(X)", "x: y", "#"] {
            #expect(YAMLNode.quoted(s).hasPrefix("\""), "\(s) must be quoted")
        }
        let doc = YAMLNode.map([("a", .list([.map([("b", .int(1)), ("c", .string("x\ny\n"))]), .string("z")])), ("d", .map([]))]).document()
        #expect(doc == "a:\n  - b: 1\n    c: |\n      x\n      y\n  - z\nd: {}\n")
    }
}
