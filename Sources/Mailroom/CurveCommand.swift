// mailroom curve client|list|server-key: the CURVE keys that guard the router's tcp sockets (PUB and snapshot).
// A subscriber needs its own keypair file and the server's public key; the router admits the public keys in
// DIR/clients within seconds of a change, without a restart.
import ArgumentParser
import Foundation
import MailroomTransport

struct CurveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve", abstract: "CURVE keys for the router's PUB and snapshot sockets: add, list and remove subscribers.",
        subcommands: [Client.self, List.self, Remove.self, ServerKey.self])

    struct Options: ParsableArguments {
        @Option(help: "The CURVE directory (the router's --curve; `curve_dir` in the topology).")
        var dir: String = ".mailroom/curve"
    }

    struct Client: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a keypair for a subscriber; its public key is admitted, the pair is written to a 0600 file.")
        @OptionGroup var options: Options
        @Option(help: "Who subscribes, e.g. crm-connector (letters, digits, - and _).") var name: String
        @Option(help: "Where to write the keypair (default DIR/NAME.client).") var out: String?

        func run() throws {
            let directory = CurveDirectory(path: options.dir)
            let file = try directory.addClient(name: name, file: out)
            print(file)
            FileHandle.standardError.write(Data("""
                subscriber \(name) admitted; its keypair is in \(file) (lines `public KEY`, `secret KEY`), the router's \
                public key in \(directory.serverPublicKeyPath). Set ZMQ_CURVE_SERVERKEY, ZMQ_CURVE_PUBLICKEY and \
                ZMQ_CURVE_SECRETKEY on the SUB and REQ sockets.

                """.utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the admitted subscribers (names and key prefixes).")
        @OptionGroup var options: Options
        func run() throws {
            let clients = CurveDirectory(path: options.dir).allowedClientKeys().sorted { $0.value < $1.value }
            if clients.isEmpty { print("no subscribers admitted in \(options.dir)/clients") }
            for (key, name) in clients { print("\(name)  \(key.prefix(8))…") }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop admitting a subscriber (new connections are refused within seconds).")
        @OptionGroup var options: Options
        @Argument(help: "The subscriber's name.") var name: String
        func run() throws {
            let file = (options.dir as NSString).appendingPathComponent("clients/\(name).pub")
            guard FileManager.default.fileExists(atPath: file) else { throw CLIError("no subscriber \(name) in \(options.dir)/clients") }
            try FileManager.default.removeItem(atPath: file)
            print("subscriber \(name) removed; connections it already has stay until they close")
        }
    }

    struct ServerKey: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "server-key", abstract: "Print the router's public key (made when missing).")
        @OptionGroup var options: Options
        func run() throws { print(try CurveDirectory(path: options.dir).serverKeys(create: true).publicKey) }
    }
}
