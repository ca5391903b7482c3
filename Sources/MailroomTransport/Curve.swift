// Curve: CURVE security for the sockets that listen on tcp (the router's PUB and snapshot sockets): the server's
// keypair and the allowed clients' public keys in one directory, each client with a keypair file of its own.
// Keys are Z85 text (40 characters), as libzmq's zmq_curve_keypair writes them.
import CZeroMQ
import Foundation
import MailroomCore

/// A CURVE keypair in Z85.
public struct CurveKeyPair: Sendable, Equatable {
    public var publicKey: String
    public var secretKey: String

    public init(publicKey: String, secretKey: String) { self.publicKey = publicKey; self.secretKey = secretKey }

    /// A new keypair from libzmq (libsodium's random source).
    /// - Throws: ``CurveError/unavailable`` when this libzmq was built without CURVE.
    public static func generate() throws -> CurveKeyPair {
        guard zmq_has("curve") != 0 else { throw CurveError.unavailable }
        var pub = [CChar](repeating: 0, count: 41), sec = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&pub, &sec) == 0 else { throw CurveError.unavailable }
        return CurveKeyPair(publicKey: String(cString: pub), secretKey: String(cString: sec))
    }

    /// Whether `key` looks like a Z85 CURVE key (40 characters of the Z85 alphabet).
    static func isKey(_ key: String) -> Bool {
        key.utf8.count == 40 && key.utf8.allSatisfy { z85Alphabet.contains($0) }
    }
    private static let z85Alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)
}

/// What a socket is in a CURVE handshake.
public enum CurveRole: Sendable, Equatable {
    /// A bound socket that admits only the clients whose public keys are in `clients` (checked by a ``ZAPHandler``).
    case server(secretKey: String, clients: CurveDirectory)
    /// A connecting socket with its own keypair and the server's public key.
    case client(serverKey: String, keys: CurveKeyPair)
}

public enum CurveError: Error, Equatable, CustomStringConvertible {
    case unavailable
    case badKeyFile(path: String, reason: String)
    case badName(String)

    public var description: String {
        switch self {
        case .unavailable: "this libzmq has no CURVE support (Debian's libzmq5 has it; check zmq_has(\"curve\"))"
        case .badKeyFile(let path, let reason): "CURVE key file \(path): \(reason)"
        case .badName(let name): "client name \(quotedForMessage(name)) must be 1-64 letters, digits, '-' or '_'"
        }
    }
}

/// The directory of CURVE keys (mode 0700): `server.pub`, `server.secret` (0600), `clients/NAME.pub` (the allowed
/// clients; add or remove a file and the router follows within seconds), and each client's `NAME.client` (0600).
public struct CurveDirectory: Sendable, Equatable {
    public let path: String
    public init(path: String) { self.path = path }

    var clientsPath: String { (path as NSString).appendingPathComponent("clients") }
    public var serverPublicKeyPath: String { (path as NSString).appendingPathComponent("server.pub") }
    var serverSecretKeyPath: String { (path as NSString).appendingPathComponent("server.secret") }

    /// The server's keypair; with `create`, made on first use.
    /// - Throws: ``CurveError``.
    public func serverKeys(create: Bool) throws -> CurveKeyPair {
        if !FileManager.default.fileExists(atPath: serverSecretKeyPath) && create {
            try PrivateFiles.makeDirectory(path)
            let keys = try CurveKeyPair.generate()
            // The secret first and exclusively: two routers starting at once agree on the one that won.
            if Self.createExclusively(serverSecretKeyPath, "public \(keys.publicKey)\nsecret \(keys.secretKey)\n") {
                try Self.write(serverPublicKeyPath, keys.publicKey + "\n", mode: 0o644)
            }
        }
        let keys = try Self.readKeyPair(serverSecretKeyPath)
        if !FileManager.default.fileExists(atPath: serverPublicKeyPath) {
            try Self.write(serverPublicKeyPath, keys.publicKey + "\n", mode: 0o644)
        }
        return keys
    }

    /// The server's public key, for clients.
    public func serverPublicKey() throws -> String {
        let text = try Self.read(serverPublicKeyPath).trimmingCharacters(in: .whitespacesAndNewlines)
        guard CurveKeyPair.isKey(text) else { throw CurveError.badKeyFile(path: serverPublicKeyPath, reason: "not a Z85 key") }
        return text
    }

    /// The public keys in `clients/*.pub` (files that do not hold a key are skipped).
    public func allowedClientKeys() -> [String: String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: clientsPath)) ?? []
        var keys: [String: String] = [:]
        for name in names where name.hasSuffix(".pub") {
            let file = (clientsPath as NSString).appendingPathComponent(name)
            guard let text = try? Self.read(file).trimmingCharacters(in: .whitespacesAndNewlines), CurveKeyPair.isKey(text) else { continue }
            keys[text] = String(name.dropLast(4))
        }
        return keys
    }

    /// Makes a keypair for client `name`: its public key joins `clients/`, the pair goes to `file`
    /// (default `NAME.client` in this directory), mode 0600. Creates the server's keys when missing.
    /// - Returns: the keypair file's path.
    @discardableResult
    public func addClient(name: String, file: String? = nil) throws -> String {
        guard (1...64).contains(name.count), name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }) else {
            throw CurveError.badName(name)
        }
        _ = try serverKeys(create: true)
        try PrivateFiles.makeDirectory(clientsPath)
        let keys = try CurveKeyPair.generate()
        let out = file ?? (path as NSString).appendingPathComponent("\(name).client")
        try Self.write(out, "public \(keys.publicKey)\nsecret \(keys.secretKey)\n", mode: 0o600)
        try Self.write((clientsPath as NSString).appendingPathComponent("\(name).pub"), keys.publicKey + "\n", mode: 0o644)
        return out
    }

    /// A client's role from its keypair file and this directory's server key.
    public func clientRole(keyFile: String) throws -> CurveRole {
        .client(serverKey: try serverPublicKey(), keys: try Self.readKeyPair(keyFile))
    }

    static func readKeyPair(_ file: String) throws -> CurveKeyPair {
        var publicKey: String?, secretKey: String?
        for line in try read(file).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "public" { publicKey = parts[1] } else if parts[0] == "secret" { secretKey = parts[1] }
        }
        guard let publicKey, let secretKey, CurveKeyPair.isKey(publicKey), CurveKeyPair.isKey(secretKey) else {
            throw CurveError.badKeyFile(path: file, reason: "expected two lines, `public KEY` and `secret KEY` (Z85)")
        }
        return CurveKeyPair(publicKey: publicKey, secretKey: secretKey)
    }

    private static func read(_ file: String) throws -> String {
        do { return try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw CurveError.badKeyFile(path: file, reason: "cannot read it (\(error.localizedDescription))")
        }
    }

    private static func write(_ file: String, _ text: String, mode: Int) throws {
        if let reason = PrivateFiles.writeAtomically(text, to: file, mode: mode) {
            throw CurveError.badKeyFile(path: file, reason: "cannot write it: \(reason)")
        }
    }

    private static func createExclusively(_ file: String, _ text: String) -> Bool {
        let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        return Glibc.write(fd, bytes, bytes.count) == bytes.count && fsync(fd) == 0
    }
}

extension ZMQSocket {
    /// Makes this socket a CURVE server or client; call before `bind`/`connect`.
    public func apply(_ role: CurveRole) throws {
        switch role {
        case .server(let secret, _):
            try setInt(ZMQ_CURVE_SERVER, 1, "CURVE_SERVER")
            try setKey(ZMQ_CURVE_SECRETKEY, secret, "CURVE_SECRETKEY")
            try setBytes(ZMQ_ZAP_DOMAIN, Data(ZAPHandler.domain.utf8), "ZAP_DOMAIN")
        case .client(let serverKey, let keys):
            try setKey(ZMQ_CURVE_SERVERKEY, serverKey, "CURVE_SERVERKEY")
            try setKey(ZMQ_CURVE_PUBLICKEY, keys.publicKey, "CURVE_PUBLICKEY")
            try setKey(ZMQ_CURVE_SECRETKEY, keys.secretKey, "CURVE_SECRETKEY")
        }
    }

    /// A Z85 key as libzmq takes it: 40 characters and a NUL.
    private func setKey(_ name: Int32, _ z85: String, _ label: String) throws {
        try setBytes(name, Data(z85.utf8) + Data([0]), label)
    }
}
