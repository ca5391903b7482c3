// ZAPHandler: libzmq's authentication hook (ZeroMQ RFC 27) for one context: a REP socket on
// inproc://zeromq.zap.01 that every CURVE server socket of the context asks whether a client may connect. It admits
// the public keys in the CURVE directory's clients/ (re-read every few seconds) and refuses everyone else.
import CZeroMQ
import Foundation
import Logging
import Synchronization

public final class ZAPHandler: Sendable {
    /// The ZAP domain Mailroom's CURVE server sockets set.
    static let domain = "mailroom"
    /// Seconds between reads of the clients/ directory.
    static let reloadSeconds = 2.0

    private let stopped = Atomic<Bool>(false)
    private let exited = DispatchSemaphore(value: 0)

    /// Binds the handler in `context` and starts answering on a thread of its own. One per context.
    /// - Throws: ``ZMQError`` when the handler address is taken (a second handler in the same context).
    public init(context: ZMQContext, clients: CurveDirectory, logger: Logger) throws {
        let socket = try ZMQSocket(context: context, kind: .rep)
        try socket.set([.receiveTimeoutMs(TransportDefaults.pollIntervalMs), .lingerMs(0)])
        try socket.bind("inproc://zeromq.zap.01")
        let box = SocketBox(socket)
        let exited = self.exited
        let thread = Thread { [self] in
            let socket = box.socket
            var allowed = clients.allowedClientKeys()
            var loadedAt = Date()
            while !stopped.load(ordering: .relaxed) {
                let request: [Data]?
                do { request = try socket.receive() } catch { break }  // context shut down
                guard let request else { continue }
                if Date().timeIntervalSince(loadedAt) >= Self.reloadSeconds {
                    allowed = clients.allowedClientKeys(); loadedAt = Date()
                }
                let reply = Self.answer(request, allowed: allowed, logger: logger)
                do { _ = try socket.send(reply) } catch { break }
            }
            socket.close()
            exited.signal()
        }
        thread.name = "mailroom.zap"
        thread.start()
    }

    /// Stops answering (before the context is terminated, or the context's shutdown ends it) and waits.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        exited.wait()
    }

    /// The reply to one ZAP request: 200 for an allowed CURVE client key, 400 otherwise.
    static func answer(_ request: [Data], allowed: [String: String], logger: Logger) -> [Data] {
        // version, request id, domain, address, identity, mechanism, credentials…
        guard request.count >= 6, request[0] == Data("1.0".utf8) else {
            return [Data("1.0".utf8), request.count > 1 ? request[1] : Data(), Data("500".utf8), Data("malformed ZAP request".utf8), Data(), Data()]
        }
        let requestID = request[1], address = String(decoding: request[3], as: UTF8.self)
        let mechanism = String(decoding: request[5], as: UTF8.self)
        func reply(_ code: String, _ text: String, user: String = "") -> [Data] {
            [Data("1.0".utf8), requestID, Data(code.utf8), Data(text.utf8), Data(user.utf8), Data()]
        }
        guard mechanism == "CURVE", request.count >= 7, request[6].count == 32 else {
            logger.warning("refused a connection without a CURVE client key", metadata: ["address": "\(address)", "mechanism": "\(mechanism)"])
            return reply("400", "a CURVE client key is required")
        }
        var z85 = [CChar](repeating: 0, count: 41)
        let key: String = request[6].withUnsafeBytes { raw in
            zmq_z85_encode(&z85, raw.bindMemory(to: UInt8.self).baseAddress, 32) == nil ? "" : String(cString: z85)
        }
        guard let name = allowed[key] else {
            logger.warning("refused an unknown CURVE client key", metadata: ["address": "\(address)", "key": "\(key.prefix(8))…"])
            return reply("400", "unknown client key")
        }
        return reply("200", "OK", user: name)
    }
}

/// Moves the socket into the one thread that uses it from then on.
private final class SocketBox: @unchecked Sendable {
    let socket: ZMQSocket
    init(_ socket: ZMQSocket) { self.socket = socket }
}
