// CurveTests: CURVE keys on disk and the ZAP handler, over real tcp sockets: an admitted client key gets answers,
// a client without CURVE or with a key never admitted gets none, and removing a key stops new connections.
import Foundation
import Logging
import MailroomCore
import Testing
@testable import MailroomTransport

@Suite("CURVE and ZAP")
struct CurveTests {
    private func directory() -> CurveDirectory {
        CurveDirectory(path: "/tmp/mrc-" + UUID().uuidString.prefix(8).lowercased())
    }

    @Test func keysAreMadeOnceWithPrivateModes() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let server = try dir.serverKeys(create: true)
        #expect(try dir.serverKeys(create: true) == server, "a second call must not make new server keys")
        #expect(try dir.serverPublicKey() == server.publicKey)
        let file = try dir.addClient(name: "crm-1")
        #expect(dir.allowedClientKeys().values.sorted() == ["crm-1"])
        func mode(_ path: String) throws -> Int { ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as! NSNumber).intValue }
        #expect(try mode(dir.path) == 0o700)
        #expect(try mode(file) == 0o600)
        #expect(try mode(dir.path + "/server.secret") == 0o600)
        #expect(throws: CurveError.badName("../etc")) { try dir.addClient(name: "../etc") }
        try "public x\nsecret y\n".write(toFile: dir.path + "/broken.client", atomically: true, encoding: .utf8)
        #expect(throws: CurveError.self) { try dir.clientRole(keyFile: dir.path + "/broken.client") }
    }

    @Test func onlyAdmittedClientKeysGetAnswers() throws {
        let dir = directory()
        defer { try? FileManager.default.removeItem(atPath: dir.path) }
        let serverKeys = try dir.serverKeys(create: true)
        let admitted = try dir.clientRole(keyFile: try dir.addClient(name: "ok"))
        let serverContext = try ZMQContext(), clientContext = try ZMQContext()
        let zap = try ZAPHandler(context: serverContext, clients: dir, logger: Logger(label: "test"))
        let server = try ZMQSocket(context: serverContext, kind: .rep)
        try server.set([.receiveTimeoutMs(100), .lingerMs(0)])
        try server.apply(.server(secretKey: serverKeys.secretKey, clients: dir))
        try server.bind("tcp://127.0.0.1:*")
        let endpoint = try server.lastEndpoint()
        let stop = Locked(false)
        let box = SocketHolder(server)
        let echo = Thread {
            while !stop.withLock({ $0 }) {
                guard let request = try? box.socket.receive() else { continue }
                _ = try? box.socket.send(request)
            }
        }
        echo.start()
        defer {
            stop.withLock { $0 = true }
            while !echo.isFinished { usleep(10_000) }
            server.close(); zap.stop(); serverContext.terminate(); clientContext.terminate()
        }

        func ask(_ role: CurveRole?) throws -> [Data]? {
            let client = try ZMQSocket(context: clientContext, kind: .req)
            defer { client.close() }
            try client.set([.receiveTimeoutMs(1500), .lingerMs(0)])
            if let role { try client.apply(role) }
            try client.connect(endpoint)
            _ = try client.send([Data("ping".utf8)])
            return try client.receive()
        }
        #expect(try ask(admitted) == [Data("ping".utf8)])
        #expect(try ask(nil) == nil, "a client without CURVE was answered")
        #expect(try ask(.client(serverKey: serverKeys.publicKey, keys: try CurveKeyPair.generate())) == nil,
                "a client key never admitted was answered")

        // Removing the key: new connections are refused once the handler re-reads the directory (every 2 s).
        try FileManager.default.removeItem(atPath: dir.path + "/clients/ok.pub")
        Thread.sleep(forTimeInterval: ZAPHandler.reloadSeconds + 0.5)
        #expect(try ask(admitted) == nil, "a removed client key was still admitted")
    }
}

/// Hands the server socket to the echo thread, its only user from then on.
private final class SocketHolder: @unchecked Sendable {
    let socket: ZMQSocket
    init(_ socket: ZMQSocket) { self.socket = socket }
}
