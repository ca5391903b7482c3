// StageMetricsTests: a stage's own /metrics and probes: the runtime records what it handled (counters, batch sizes
// and times) into the metrics its listener serves, /readyz says 503 until the handler is ready, and a replica's
// listener port follows the gateway's rule (port + replica, unless the replica has an address of its own).
import Foundation
import Hummingbird
import Logging
import HummingbirdTesting
import MailroomRuntime
import MailroomTransport
import Testing

@Suite(.timeLimit(.minutes(3))) struct StageMetricsTests {
    @Test func aListenerWhosePortIsTakenSaysWhichAndWhatToDo() async throws {
        // Something already listens on the port.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        #expect(listen(fd, 1) == 0)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let service = try #require(StageMetricsServer.service(config: .init(port: port), metrics: StageMetrics(stage: "cleaner", replica: 0),
                                                              logger: Logger(label: "test")))
        do {
            try await service.run()
            Issue.record("the listener should not start on a taken port")
        } catch let error as ListenerError {
            #expect(error.description.hasPrefix("the cleaner's /metrics listener cannot listen on 127.0.0.1:\(port): another process listens there"))
            #expect(error.description.contains("choose another --metrics-port (0: no listener)"))
        }
    }

    @Test func theRuntimeRecordsWhatItHandledIntoTheListenersMetrics() async throws {
        let context = try ZMQContext()
        defer { context.terminate() }
        let (input, out) = (inproc("in"), inproc("out"))
        let receiver = try EnvelopeReceiver(context: context, endpoints: .bind(out), logger: quiet)
        defer { receiver.stop() }
        let stage = RunningStage(handler: EchoHandler(delay: 0.002), context: context, input: input,
                                 outputs: [.out: .push([out]), .copy: .push([out])])
        let upstream = try EnvelopeSender(context: context, endpoints: .connect(input), logger: quiet)
        for i in 0..<20 { try await upstream.send(email("m\(i)")) }
        #expect(await collect(receiver, count: 20).count == 20)
        let metrics = stage.service.metrics
        let app = Application(router: StageMetricsServer.buildRouter(metrics: metrics))
        try await app.test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType] == PrometheusText.contentType)
                for line in [#"mailroom_stage_ready{replica="3",stage="echo"} 1"#,
                             #"mailroom_stage_handled_total{replica="3",stage="echo"} 20"#,
                             #"mailroom_stage_sent_total{replica="3",stage="echo"} 20"#,
                             #"mailroom_stage_batch_size_bucket{le="+Inf",replica="3",stage="echo"} "#,
                             #"mailroom_stage_batch_seconds_count{replica="3",stage="echo"} "#,
                             "# TYPE mailroom_stage_batch_seconds histogram"] {
                    #expect(text.contains(line), "missing: \(line)")
                }
                // Every envelope was in exactly one batch: the batch-size histogram's sum is the handled count.
                #expect(text.contains(#"mailroom_stage_batch_size_sum{replica="3",stage="echo"} 20"#))
            }
        }
        try await stage.stop()
        upstream.close()
    }

    @Test func readyzIsUnavailableUntilTheHandlerIsReady() async throws {
        let metrics = StageMetrics(stage: "classifier", replica: 0)
        let app = Application(router: StageMetricsServer.buildRouter(metrics: metrics))
        try await app.test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(String(buffer: response.body).contains(#"mailroom_stage_ready{replica="0",stage="classifier"} 0"#))
            }
        }
    }

    @Test func histogramBucketsAreCumulative() {
        var h = PrometheusHistogram(bounds: [1, 2, 4])
        for v in [0.5, 1, 3, 3, 10] { h.observe(v) }
        var text = PrometheusText()
        h.render(into: &text, name: "x", help: "x")
        let lines = text.rendered.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(lines == [#"x_bucket{le="1"} 2"#, #"x_bucket{le="2"} 2"#, #"x_bucket{le="4"} 4"#,
                          #"x_bucket{le="+Inf"} 5"#, "x_sum 17.5", "x_count 5"])
    }

    @Test func aReplicasListenerPortFollowsTheGatewaysRule() throws {
        func config(_ args: [String]) throws -> StageMetricsServer.Config {
            try StageMetricsServer.Config(options: StageOptions(arguments: args, known: StageMain.commonFlags, environment: [:]))
        }
        #expect(try config([]).port == 0)
        #expect(try config(["--metrics-port", "9120", "--replica", "2"]).port == 9122)
        #expect(try config(["--metrics-port", "9120", "--replica", "2", "--replica-port-offset", "false"]).port == 9120)
        #expect(try config(["--metrics-port", "0", "--replica", "2"]).port == 0, "0 stays no listener on every replica")
        #expect(throws: OptionsError.self) { try config(["--metrics-port", "70000"]) }
    }
}
