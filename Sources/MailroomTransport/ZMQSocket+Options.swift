// ZMQSocket+Options: the socket options Mailroom sets, as one typed enum.
import CZeroMQ
import Foundation

/// A socket option and its value. Units are in the names.
public enum ZMQSocketOption: Sendable, Equatable {
    /// How long unsent messages may delay close/context termination (ms; 0 drops them, -1 waits forever).
    case lingerMs(Int32)
    /// Outgoing queue limit per peer, in messages (0 = unlimited). Set before bind/connect.
    case sendHighWaterMark(Int32)
    /// Incoming queue limit per peer, in messages (0 = unlimited). Set before bind/connect.
    case receiveHighWaterMark(Int32)
    /// How long a blocking receive waits before it returns `nil` (ms; -1 waits forever).
    case receiveTimeoutMs(Int32)
    /// How long a blocking send waits at the high-water mark before it returns `false` (ms; -1 forever).
    case sendTimeoutMs(Int32)
    /// Queue messages only to peers whose connection is complete (`ZMQ_IMMEDIATE`).
    case immediate(Bool)
    /// SUB only: receive messages whose first frame starts with this prefix (empty = everything).
    case subscribe(Data)
    /// SUB only: undo one ``subscribe(_:)``.
    case unsubscribe(Data)
}

extension ZMQSocket {
    /// Sets one socket option.
    public func set(_ option: ZMQSocketOption) throws {
        switch option {
        case .lingerMs(let v): try setInt(ZMQ_LINGER, v, "LINGER")
        case .sendHighWaterMark(let v): try setInt(ZMQ_SNDHWM, v, "SNDHWM")
        case .receiveHighWaterMark(let v): try setInt(ZMQ_RCVHWM, v, "RCVHWM")
        case .receiveTimeoutMs(let v): try setInt(ZMQ_RCVTIMEO, v, "RCVTIMEO")
        case .sendTimeoutMs(let v): try setInt(ZMQ_SNDTIMEO, v, "SNDTIMEO")
        case .immediate(let on): try setInt(ZMQ_IMMEDIATE, on ? 1 : 0, "IMMEDIATE")
        case .subscribe(let prefix): try setBytes(ZMQ_SUBSCRIBE, prefix, "SUBSCRIBE")
        case .unsubscribe(let prefix): try setBytes(ZMQ_UNSUBSCRIBE, prefix, "UNSUBSCRIBE")
        }
    }

    /// Sets several options in order.
    public func set(_ options: [ZMQSocketOption]) throws {
        for option in options { try set(option) }
    }

    /// Reads an integer option such as `ZMQ_LINGER` or `ZMQ_SNDHWM`.
    public func intOption(_ name: Int32) throws -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(try open("getsockopt"), name, &value, &size) == 0 else {
            throw ZMQError.last("getsockopt(\(name))")
        }
        return value
    }

    /// Processes pending libzmq commands and throws ``ZMQError/contextTerminated(operation:)`` once the
    /// context has been shut down. Idle socket-owning threads call this so shutdown never waits on them.
    public func checkContext() throws {
        _ = try intOption(ZMQ_EVENTS)
    }

    func setInt(_ name: Int32, _ value: Int32, _ label: String) throws {
        var v = value
        guard zmq_setsockopt(try open("setsockopt"), name, &v, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("setsockopt(\(label))")
        }
    }

    func setBytes(_ name: Int32, _ value: Data, _ label: String) throws {
        let h = try open("setsockopt")
        let rc = value.withUnsafeBytes { zmq_setsockopt(h, name, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError.last("setsockopt(\(label))") }
    }
}
