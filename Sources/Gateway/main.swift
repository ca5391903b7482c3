// gateway: the CRM's one HTTP entry point (see API/openapi.json).
// Sockets: PUSH connect --cleaners (every cleaner replica); PUSH connect --feedback (outcomes);
// PULL bind --results (routed results from the router); PULL bind --control (stage heartbeats).
import Foundation
import Logging
import MailroomGateway
import MailroomRuntime

let args = Array(CommandLine.arguments.dropFirst())
if args.contains("--help") {
    print("usage: gateway --port 8080 --cleaners ENDPOINTS --feedback ENDPOINTS --results ENDPOINT --control ENDPOINT --journal FILE.sqlite [--max-batch 64] [--sync-timeout 30]")
    exit(0)
}
do {
    let options = try StageOptions(arguments: args, known: GatewayConfig.flags)
    let config = try GatewayConfig(options: options)
    try ProcessLogging.bootstrap(level: options.string("log-level", default: "info"))
    try await GatewayServer.run(config: config, logger: Logger(label: "mailroom.gateway"))
} catch {
    FileHandle.standardError.write(Data("E: gateway: \(error)\n".utf8))
    exit(1)
}
