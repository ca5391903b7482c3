// TopologyParsingTests: the topology file syntax, placeholder expansion and every error with its line.
import Foundation
import MailroomTopology
import MailroomTestSupport
import Testing

/// A small topology in the shape of the real one; `classifierReplicas` is the only thing that varies.
func pipelineText(classifierReplicas: Int = 1) -> String {
    """
    # a comment line
    [topology]
    name = test
    run_dir = /tmp/run            # trailing comment
    model = "/models/my model"

    [endpoints]
    cleaner.in    = ipc://{run_dir}/cleaner-{replica}.sock
    classifier.in = ipc://{run_dir}/classifier-{replica}.sock
    router.in     = ipc://{run_dir}/router-{replica}.sock
    router.pub    = tcp://127.0.0.1:{5570+replica}

    [process cleaner]
    executable = cleaner
    args = --pull {own:cleaner.in} --push {all:classifier.in} --replica {replica}

    [process classifier]
    replicas = \(classifierReplicas)
    executable = classifier
    args = --pull {own:classifier.in} --push {all:router.in} --model {model} --name {name} --label "a b" 'c#d'
    env.OPENBLAS_NUM_THREADS = 1
    env.MODEL_DIR = {model}
    restart = on-failure

    [process router]
    executable = ./bin/router
    args = --pull {own:router.in} --publish {own:router.pub} --literal {{x}}
    restart = never
    """
}

@Suite struct TopologyParsingTests {
    @Test func parsesSectionsVariablesAndProcesses() throws {
        let topology = try Topology.parse(pipelineText(), file: "t.topology")
        #expect(topology.name == "test")
        #expect(topology.runDirectory == "/tmp/run")
        #expect(topology.variables == ["run_dir": "/tmp/run", "model": "/models/my model"])
        #expect(topology.processes.map(\.name) == ["cleaner", "classifier", "router"])
        #expect(topology.processes.map(\.restart) == [.always, .onFailure, .never])
        #expect(topology.endpoints.map(\.owner) == ["cleaner", "classifier", "router", "router"])
    }

    @Test func expandsOwnAllReplicaNameAndVariables() throws {
        let instances = try Topology.parse(pipelineText(), file: "t").instances()
        #expect(instances.map(\.id) == ["cleaner-0", "classifier-0", "router-0"])
        let cleaner = instances[0]
        #expect(cleaner.arguments == ["--pull", "ipc:///tmp/run/cleaner-0.sock",
                                      "--push", "ipc:///tmp/run/classifier-0.sock", "--replica", "0"])
        let classifier = instances[1]
        #expect(classifier.arguments == ["--pull", "ipc:///tmp/run/classifier-0.sock",
                                         "--push", "ipc:///tmp/run/router-0.sock", "--model", "/models/my model",
                                         "--name", "classifier", "--label", "a b", "c#d"])
        #expect(classifier.environment == ["OPENBLAS_NUM_THREADS": "1", "MODEL_DIR": "/models/my model"])
        let router = instances[2]
        #expect(router.arguments == ["--pull", "ipc:///tmp/run/router-0.sock",
                                     "--publish", "tcp://127.0.0.1:5570", "--literal", "{x}"])
        #expect(router.resolvedExecutable(binDirectory: "/opt/bin") == "./bin/router")
        #expect(classifier.resolvedExecutable(binDirectory: "/opt/bin") == "/opt/bin/classifier")
        #expect(classifier.resolvedExecutable(binDirectory: "/opt/bin/") == "/opt/bin/classifier")
    }

    @Test func changingReplicasFromOneToTwoIsTheOnlyEditNeeded() throws {
        let one = try Topology.parse(pipelineText(classifierReplicas: 1), file: "t").instances()
        let two = try Topology.parse(pipelineText(classifierReplicas: 2), file: "t").instances()
        #expect(two.count == one.count + 1)
        #expect(two.map(\.id) == ["cleaner-0", "classifier-0", "classifier-1", "router-0"])
        // The cleaner now pushes to both classifiers; each classifier binds its own socket.
        #expect(two[0].arguments[3] == "ipc:///tmp/run/classifier-0.sock,ipc:///tmp/run/classifier-1.sock")
        #expect(two[1].arguments[1] == "ipc:///tmp/run/classifier-0.sock")
        #expect(two[2].arguments[1] == "ipc:///tmp/run/classifier-1.sock")
        #expect(two[2].replica == 1)
    }

    @Test func zeroReplicasDisablesAProcess() throws {
        let instances = try Topology.parse(pipelineText(classifierReplicas: 0), file: "t").instances()
        #expect(instances.map(\.id) == ["cleaner-0", "router-0"])
        #expect(instances[0].arguments[3] == "")  // {all:classifier.in} with no replicas
    }

    @Test func endpointAddressesPerReplica() throws {
        let topology = try Topology.parse(pipelineText(classifierReplicas: 3), file: "t")
        #expect(try topology.endpoint("classifier.in", replica: 2) == "ipc:///tmp/run/classifier-2.sock")
        #expect(try topology.addresses(of: "router.pub") == ["tcp://127.0.0.1:5570"])
        #expect(throws: TopologyError.replicaOutOfRange(endpoint: "classifier.in", replica: 3, replicas: 3)) {
            try topology.endpoint("classifier.in", replica: 3)
        }
        #expect(throws: TopologyError.self) { try topology.endpoint("nope.in", replica: 0) }
    }

    @Test func variablesMayUseEarlierVariables() throws {
        let text = """
        [topology]
        base = /srv
        run_dir = {base}/run
        [process a]
        executable = /bin/true
        args = {run_dir}
        """
        let topology = try Topology.parse(text, file: "t")
        #expect(topology.runDirectory == "/srv/run")
        #expect(try topology.instances()[0].arguments == ["/srv/run"])
    }

    @Test func theDefaultTopologyFileLoads() throws {
        let path = RepositoryPaths.file("Topology/mailroom.topology")
        let topology = try Topology.load(path: path)
        #expect(topology.name == "default")
        #expect(topology.runDirectory == ".mailroom/run")
        let instances = try topology.instances()
        #expect(instances.map(\.process) == ["gateway", "cleaner", "classifier", "router", "feedback-collector"])
        #expect(topology.processes.allSatisfy { $0.replicas == 1 })
        // The collector serves live quality on feedback_metrics_port and reads the registry's profiles.
        let collector = try #require(instances.first { $0.process == "feedback-collector" }).arguments
        let port = try #require(collector.firstIndex(of: "--metrics-port"))
        let registry = try #require(collector.firstIndex(of: "--registry"))
        #expect(collector[port + 1] == "9102" && collector[registry + 1] == ".mailroom/registry")
        // Two classifiers by changing one line: the first `replicas = 1` after [process classifier].
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let section = try #require(text.range(of: "\n[process classifier]\n"))
        let line = try #require(text.range(of: "replicas = 1", range: section.upperBound..<text.endIndex))
        let edited = text.replacingCharacters(in: line, with: "replicas = 2")
        let two = try Topology.parse(edited, file: path).instances()
        #expect(two.filter { $0.process == "classifier" }.map(\.id) == ["classifier-0", "classifier-1"])
        // Each classifier connects to the cleaner's bound endpoint (the cleaner deals to both); the cleaner's
        // arguments do not change, and no classifier binds an endpoint of its own.
        let cleaner = try #require(two.first { $0.process == "cleaner" })
        let bound = try #require(cleaner.arguments.firstIndex(of: "--push-bind"))
        #expect(cleaner.arguments == (try #require(instances.first { $0.process == "cleaner" })).arguments)
        for classifier in two.filter({ $0.process == "classifier" }) {
            let from = try #require(classifier.arguments.firstIndex(of: "--pull-from"))
            #expect(classifier.arguments[from + 1] == cleaner.arguments[bound + 1])
        }
        #expect(!topology.endpoints.contains { $0.owner == "classifier" })
    }
}
