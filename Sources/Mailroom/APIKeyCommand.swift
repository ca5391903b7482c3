// mailroom api-key new|list|revoke: the gateway's API keys file. A running gateway picks changes up within a
// second, so a key is rotated by adding the new one, moving the client over, and revoking the old one.
import ArgumentParser
import Foundation
import MailroomCore

struct APIKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-key", abstract: "The gateway's API keys: make, list and revoke them (no restart needed).",
        subcommands: [New.self, List.self, Revoke.self])

    struct Options: ParsableArguments {
        @Option(help: "The keys file (the gateway's --api-keys; `api_keys` in the topology).")
        var keys: String = ".mailroom/api-keys"
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a key and print it once (only its SHA-256 is stored). Scopes: submit, read, feedback, metrics.")
        @OptionGroup var options: Options
        @Option(help: "A name for the key (who holds it), e.g. crm-2026-12.") var name: String
        @Option(help: "Comma-separated scopes.") var scopes: String = "submit,read,feedback"
        @Option(help: "Also write the key to this file (mode 0600), for a local client.") var keyFile: String?

        func run() throws {
            var set = Set<APIScope>()
            for s in scopes.split(separator: ",") {
                guard let scope = APIScope(rawValue: s.trimmingCharacters(in: .whitespaces)) else {
                    throw CLIError("unknown scope \(s); scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                set.insert(scope)
            }
            guard !set.isEmpty else { throw CLIError("give at least one scope") }
            let key = try APIKeys.add(name: name, scopes: set, path: options.keys)
            if let keyFile {
                guard FileManager.default.createFile(atPath: keyFile, contents: Data((key + "\n").utf8),
                                                     attributes: [.posixPermissions: 0o600]) else {
                    throw CLIError("cannot write \(keyFile)")
                }
            }
            print(key)
            FileHandle.standardError.write(Data("key \(name) (\(scopes)) added to \(options.keys); it is not shown again\n".utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The keys in the file: name and scopes.")
        @OptionGroup var options: Options
        func run() throws {
            for entry in try APIKeys.load(path: options.keys) {
                print("\(entry.name)\t\(APIScope.allCases.filter(entry.scopes.contains).map(\.rawValue).joined(separator: ","))")
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a key; the gateway refuses it within a second.")
        @OptionGroup var options: Options
        @Argument(help: "The key's name.") var name: String
        func run() throws {
            guard try APIKeys.revoke(name: name, path: options.keys) else {
                throw CLIError("no key named \(name) in \(options.keys)")
            }
            FileHandle.standardError.write(Data("key \(name) revoked\n".utf8))
        }
    }
}
