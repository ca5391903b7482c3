// ZMQSocket: one libzmq socket (PUSH, PULL, PUB, SUB) with bind/connect and multipart send/receive.
import CZeroMQ
import Foundation

/// A libzmq socket. Deliberately not `Sendable`: libzmq sockets are not thread-safe, so the compiler
/// keeps each one on the thread that created it (see ``EnvelopeReceiver`` and ``EnvelopeSender``).
///
/// Every socket gets `ZMQ_LINGER` = ``TransportDefaults/lingerMs`` when it is created, so closing it
/// never blocks context termination forever. Set high-water marks before `bind`/`connect`: libzmq
/// applies them to pipes created afterwards.
public final class ZMQSocket {
    /// The kinds of socket Mailroom uses.
    public enum Kind: Sendable, Equatable {
        case push, pull, pub, sub, rep, req

        var rawValue: Int32 {
            switch self {
            case .push: ZMQ_PUSH
            case .pull: ZMQ_PULL
            case .pub: ZMQ_PUB
            case .sub: ZMQ_SUB
            case .rep: ZMQ_REP
            case .req: ZMQ_REQ
            }
        }
    }

    public let kind: Kind
    /// Keeps the context alive while this socket is open (libzmq requires it).
    private let context: ZMQContext
    private var handle: UnsafeMutableRawPointer?

    /// Creates a socket of `kind` in `context` and sets its linger to ``TransportDefaults/lingerMs``.
    public init(context: ZMQContext, kind: Kind) throws {
        guard let h = zmq_socket(context.handle, kind.rawValue) else { throw ZMQError.last("socket") }
        self.context = context
        self.kind = kind
        self.handle = h
        try set(.lingerMs(TransportDefaults.lingerMs))
    }

    deinit { close() }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket. Pending outgoing messages get at most the socket's `LINGER` to leave.
    /// Safe to call twice.
    public func close() {
        guard let h = handle else { return }
        handle = nil
        _ = zmq_close(h)
    }

    /// The live handle, or an error naming `operation` when the socket is closed.
    func open(_ operation: String) throws -> UnsafeMutableRawPointer {
        guard let h = handle else {
            throw ZMQError.call(operation: operation, errno: ENOTSOCK, message: "socket already closed")
        }
        return h
    }

    /// Binds to `endpoint` (`tcp://127.0.0.1:5555`, `tcp://127.0.0.1:*`, `ipc:///path`).
    public func bind(_ endpoint: String) throws {
        guard zmq_bind(try open("bind"), endpoint) == 0 else { throw ZMQError.last("bind", endpoint: endpoint) }
    }

    /// Connects to `endpoint`; libzmq reconnects by itself when the peer restarts. May be called for
    /// several endpoints: PUSH then round-robins over them, SUB/PULL fair-queue from them.
    public func connect(_ endpoint: String) throws {
        guard zmq_connect(try open("connect"), endpoint) == 0 else {
            throw ZMQError.last("connect", endpoint: endpoint)
        }
    }

    /// The endpoint of the last bind, with a `*` port resolved (e.g. `tcp://127.0.0.1:41237`).
    public func lastEndpoint() throws -> String {
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(try open("getsockopt"), ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError.last("getsockopt(LAST_ENDPOINT)")
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    // MARK: Sending

    /// Sends `frames` as one multipart message, blocking up to the send timeout.
    /// - Returns: `false` when the message could not be queued in time (high-water mark reached, or with
    ///   `immediate` set, no connected peer); libzmq then queued no frame of it.
    @discardableResult
    public func send(_ frames: [Data]) throws -> Bool { try send(frames, flags: 0) }

    /// Sends `frames` as one multipart message without blocking.
    /// - Returns: `false` when the message could not be queued right now.
    @discardableResult
    public func trySend(_ frames: [Data]) throws -> Bool { try send(frames, flags: ZMQ_DONTWAIT) }

    private func send(_ frames: [Data], flags: Int32) throws -> Bool {
        let h = try open("send")
        precondition(!frames.isEmpty, "ZMQSocket.send: a message needs at least one frame; this is a bug")
        for (i, frame) in frames.enumerated() {
            let more = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            // Only the first frame can meet the high-water mark; later frames of an accepted message
            // are always queued (libzmq delivers multipart messages atomically).
            let partFlags = (i == 0 ? flags : 0) | more
            var rc: Int32
            repeat {
                rc = frame.withUnsafeBytes { zmq_send(h, $0.baseAddress, $0.count, partFlags) }
            } while rc < 0 && zmq_errno() == EINTR
            if rc < 0 {
                if zmq_errno() == EAGAIN && i == 0 { return false }
                throw ZMQError.last("send")
            }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one multipart message, blocking up to the receive timeout.
    /// - Returns: the frames, or `nil` when the receive timeout passed with no message.
    public func receive() throws -> [Data]? { try receive(flags: 0) }

    /// Receives one multipart message if one is waiting.
    /// - Returns: the frames, or `nil` when no message is waiting.
    public func tryReceive() throws -> [Data]? { try receive(flags: ZMQ_DONTWAIT) }

    private func receive(flags: Int32) throws -> [Data]? {
        let h = try open("recv")
        var frames: [Data] = []
        var message = zmq_msg_t()
        guard zmq_msg_init(&message) == 0 else { throw ZMQError.last("msg_init") }
        defer { zmq_msg_close(&message) }
        while true {
            // Once the first frame is here the rest of the message is too: later frames never block.
            let partFlags = frames.isEmpty ? flags : 0
            var rc: Int32
            repeat { rc = zmq_msg_recv(&message, h, partFlags) } while rc < 0 && zmq_errno() == EINTR
            if rc < 0 {
                if zmq_errno() == EAGAIN && frames.isEmpty { return nil }
                throw ZMQError.last("recv")
            }
            let size = zmq_msg_size(&message)
            if size > 0, let data = zmq_msg_data(&message) {
                frames.append(Data(bytes: data, count: size))
            } else {
                frames.append(Data())
            }
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }
}
