// mailroom demo: sends sample emails through a running gateway and prints how each was routed.
import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MailroomCore
import MailroomSampleData

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Send sample emails to the gateway (POST /v1/classify) and print their routing.")

    @Option(help: "Gateway base URL.") var gateway: String = "http://127.0.0.1:8080"
    @Option(help: "Number of emails.") var count: Int = 8
    @Option(help: "Seed for the sample emails (different from the training seed).") var seed: UInt64 = 2026
    @Option(help: "Seconds to wait for the gateway to report ready.") var waitReady: Double = 60
    @Option(help: "A file holding the API key (scope submit); MAILROOM_API_KEY is used when set.")
    var apiKeyFile: String = ".mailroom/api-key"

    func run() async throws {
        guard let base = URL(string: gateway) else { throw CLIError("--gateway \(gateway) is not a URL") }
        try await waitUntilReady(base)
        let samples = SampleDataGenerator.emails(count: count, seed: seed)
        var request = URLRequest(url: base.appendingPathComponent("v1/classify"))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let key = ProcessInfo.processInfo.environment["MAILROOM_API_KEY"]
            ?? (try? String(contentsOfFile: apiKeyFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) {
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        }
        request.httpBody = try JSONSerialization.data(withJSONObject: ["emails": samples.map { s in
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(s.email))
        }])
        let (data, response) = try await URLSession.shared.data(for: request)
        guard (response as? HTTPURLResponse)?.statusCode == 200 else {
            throw CLIError("gateway answered \((response as? HTTPURLResponse)?.statusCode ?? 0): \(String(decoding: data, as: UTF8.self))")
        }
        struct Body: Decodable { var predictions: [Item] }
        struct Item: Decodable {
            var id: String; var model_version: String; var assigned_queue: String; var needs_review: Bool
            var heads: [String: HeadPrediction]
        }
        let body = try JSONDecoder().decode(Body.self, from: data)
        let truth = Dictionary(uniqueKeysWithValues: samples.map { ($0.email.id, $0) })
        print("id".padding(toLength: 28, withPad: " ", startingAt: 0) + "subject".padding(toLength: 36, withPad: " ", startingAt: 0)
              + "assigned queue".padding(toLength: 26, withPad: " ", startingAt: 0) + "review  topic (confidence) | true queue")
        for p in body.predictions {
            let s = truth[p.id]
            let subject = String((s?.email.subject ?? "").prefix(34))
            let topic = p.heads["topic"].map { "\($0.label) (\(String(format: "%.2f", $0.confidence)))" } ?? "-"
            print(p.id.padding(toLength: 28, withPad: " ", startingAt: 0) + subject.padding(toLength: 36, withPad: " ", startingAt: 0)
                  + p.assigned_queue.padding(toLength: 26, withPad: " ", startingAt: 0) + (p.needs_review ? "yes     " : "no      ")
                  + topic + " | " + (s?.labels["queue"] ?? "?"))
        }
        if let v = body.predictions.first?.model_version { print("model version: \(v)") }
    }

    private func waitUntilReady(_ base: URL) async throws {
        let deadline = Date().addingTimeInterval(waitReady)
        var last = ""
        while Date() < deadline {
            if let (data, response) = try? await URLSession.shared.data(from: base.appendingPathComponent("readyz")),
               let http = response as? HTTPURLResponse {
                if http.statusCode == 200 { return }
                last = String(decoding: data, as: UTF8.self)
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw CLIError("gateway at \(gateway) not ready after \(Int(waitReady)) s: \(last.isEmpty ? "no answer" : last)")
    }
}
