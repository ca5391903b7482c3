// Harness: runs the real built executables (mailroom, gateway, stages) in a temporary directory for the
// integration tests: processes, HTTP and the topology file, with no mocks.
import Foundation
import MailroomTestSupport
import MailroomTransport
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct CommandFailed: Error, CustomStringConvertible {
    let description: String
}

final class Harness: @unchecked Sendable {
    /// The repository root.
    static let repoRoot: String = RepositoryPaths.root.path

    /// Where the built executables are: $MAILROOM_BIN_DIR, else .build/debug.
    static let binDirectory: String = ProcessInfo.processInfo.environment["MAILROOM_BIN_DIR"]
        ?? (repoRoot as NSString).appendingPathComponent(".build/debug")

    let directory: String
    let httpPort: Int
    let pubPort: Int
    let snapshotPort: Int
    /// The feedback-collector's /metrics port (`feedback_metrics_port`).
    let feedbackMetricsPort: Int
    /// Each stage's /metrics port, replica 0 (`cleaner_metrics_port`, …); the classifier's is 0 (no listener) when
    /// more than one replica runs (replica N would need port + N free as well).
    let stageMetricsPorts: [String: Int]
    /// A key with every scope, made by `mailroom api-key new` in ``writeTopology(registry:classifierReplicas:)``.
    var apiKey: String?
    /// A subscriber's CURVE role for the router's PUB and snapshot sockets (`mailroom curve client`), made with the key.
    var curve: CurveRole?

    init() throws {
        directory = "/tmp/mr-\(UInt32.random(in: 0..<UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        httpPort = FreePort.block(Self.maxGatewayReplicas)
        pubPort = try Self.freePort()
        snapshotPort = try Self.freePort()
        feedbackMetricsPort = try Self.freePort()
        stageMetricsPorts = ["cleaner": try Self.freePort(), "classifier": try Self.freePort(), "router": try Self.freePort()]
    }

    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Runs `mailroom ARGS` to completion; throws with its stderr when it fails.
    @discardableResult
    func mailroom(_ args: [String], timeout: Double = 300) throws -> String {
        try run((Self.binDirectory as NSString).appendingPathComponent("mailroom"), args, timeout: timeout)
    }

    @discardableResult
    func run(_ executable: String, _ args: [String], timeout: Double = 300) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = path("cmd-\(UUID().uuidString).out"), err = out + ".err"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(50_000) }
        if p.isRunning { p.terminate(); throw CommandFailed(description: "\(executable) \(args) timed out") }
        let stdout = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        guard p.terminationStatus == 0 else {
            throw CommandFailed(description: "\((executable as NSString).lastPathComponent) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(stderr.suffix(2000))")
        }
        return stdout
    }

    /// Samples `count` rows, trains a linear model `version` on them and makes it the registry's served version.
    /// - Returns: the registry's path.
    @discardableResult
    func servedModel(version: String, count: Int, seed: Int, epochs: Int, trainArguments: [String] = []) throws -> String {
        try mailroom(["sample", "--out", path("sample.jsonl"), "--count", "\(count)", "--seed", "\(seed)"])
        try mailroom(["train", "--data", path("sample.jsonl"), "--out", path("model"), "--epochs", "\(epochs)", "--model-version", version]
                     + trainArguments)
        let registry = path("registry")
        try mailroom(["registry", "register", "--registry", registry, "--model", path("model"), "--by", "itest"])
        try mailroom(["registry", "approve", version, "--registry", registry, "--by", "itest", "--reason", "test model"])
        try mailroom(["registry", "promote", version, "--registry", registry])
        return registry
    }

    /// The shipped topology file with this harness's run directory, model, database and ports.
    func writeTopology(registry: String, classifierReplicas: Int = 1, gatewayReplicas: Int = 1) throws -> String {
        precondition(gatewayReplicas <= Self.maxGatewayReplicas, "the harness has ports for \(Self.maxGatewayReplicas) gateway replicas")
        let shipped = try String(contentsOfFile: (Self.repoRoot as NSString).appendingPathComponent("Topology/mailroom.topology"), encoding: .utf8)
        var lines: [String] = []
        var section = ""
        for line in shipped.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if t.hasPrefix("[") { section = t }
            let key = t.split(separator: "=").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            switch (section, key) {
            case ("[topology]", "run_dir"): lines.append("run_dir = \(path("run"))")
            case ("[topology]", "registry"): lines.append("registry = \(registry)")
            case ("[topology]", "database"): lines.append("database = \(path("feedback.sqlite"))")
            case ("[topology]", "journal_dir"): lines.append("journal_dir = \(path("journal"))")
            case ("[topology]", "http_port"): lines.append("http_port = \(httpPort)")
            case ("[topology]", "pub_port"): lines.append("pub_port = \(pubPort)")
            case ("[topology]", "snapshot_port"): lines.append("snapshot_port = \(snapshotPort)")
            case ("[topology]", "feedback_metrics_port"): lines.append("feedback_metrics_port = \(feedbackMetricsPort)")
            case ("[topology]", let k) where k.hasSuffix("_metrics_port") && stageMetricsPorts[String(k.dropLast(13))] != nil:
                let stage = String(k.dropLast(13))
                lines.append("\(k) = \(stage == "classifier" && classifierReplicas > 1 ? 0 : stageMetricsPorts[stage]!)")
            case ("[topology]", "api_keys"): lines.append("api_keys = \(path("api-keys"))")
            case ("[topology]", "curve_dir"): lines.append("curve_dir = \(path("curve"))")
            case ("[topology]", "router_rules"):
                lines.append("router_rules = \((Self.repoRoot as NSString).appendingPathComponent("Config/router.rules"))")
            case ("[process classifier]", "replicas"): lines.append("replicas = \(classifierReplicas)")
            case ("[process gateway]", "replicas"): lines.append("replicas = \(gatewayReplicas)")
            default: lines.append(line)
            }
        }
        let file = path("test.topology")
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        if apiKey == nil {
            apiKey = try mailroom(["api-key", "new", "--keys", path("api-keys"), "--name", "tests",
                                   "--scopes", "submit,read,feedback,metrics"]).trimmingCharacters(in: .whitespacesAndNewlines)
            let keyFile = try mailroom(["curve", "client", "--dir", path("curve"), "--name", "tests"]).trimmingCharacters(in: .whitespacesAndNewlines)
            curve = try CurveDirectory(path: path("curve")).clientRole(keyFile: keyFile)
        }
        return file
    }

    /// Gateway replicas a harness has ports for (replica N listens on httpPort + N).
    static let maxGatewayReplicas = 4

    /// Gateway replica N listens on httpPort + N.
    func baseURL(replica: Int = 0) -> URL { URL(string: "http://127.0.0.1:\(httpPort + replica)")! }

    /// Sends a request to gateway `replica`; returns status and parsed JSON (or the raw text under "text").
    func http(_ method: String, _ path: String, json: Any? = nil, rawBody: Data? = nil, authorized: Bool = true,
              replica: Int = 0) async throws -> (Int, Any) {
        var request = URLRequest(url: baseURL(replica: replica).appendingPathComponent(path))
        request.httpMethod = method
        request.timeoutInterval = 60
        if authorized, let apiKey { request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
        if let json {
            request.httpBody = try JSONSerialization.data(withJSONObject: json)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        } else if let rawBody {
            request.httpBody = rawBody
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as! HTTPURLResponse).statusCode
        let value = (try? JSONSerialization.jsonObject(with: data)) ?? ["text": String(decoding: data, as: UTF8.self)]
        return (status, value)
    }

    /// Polls `condition` every 100 ms until it holds or `seconds` pass.
    func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func freePort() throws -> Int { FreePort.next() }

    /// What the topology's processes said last: the supervisor's log and each process log's last `lines` lines, for
    /// a failed expectation's message (the logs hold ids and counts, never an email's text).
    func logTails(lines: Int = 15) -> String {
        let logs = path("run/logs")
        let files = ["run/supervisor.log"] + ((try? FileManager.default.contentsOfDirectory(atPath: logs)) ?? []).sorted().map { "run/logs/\($0)" }
        return files.map { name in
            let text = (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? "(none)"
            return "== \(name)\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Removes the test's folder; MAILROOM_KEEP_TEST_DIRS=1 keeps it (and prints where) to look into a failure.
    func cleanUp() {
        if ProcessInfo.processInfo.environment["MAILROOM_KEEP_TEST_DIRS"] == "1" { print("kept \(directory)"); return }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
