// ZMQError: typed errors from the libzmq C API, each with errno, libzmq's text and the failing operation.
import CZeroMQ
import Foundation

/// An error reported by libzmq, with the operation (and endpoint) that failed.
public enum ZMQError: Error, Equatable, CustomStringConvertible {
    /// The context was shut down or terminated (`ETERM`). The owning thread should close its socket
    /// (which lets `zmq_ctx_term` return) and leave its loop.
    case contextTerminated(operation: String)
    /// A bind or connect failed, e.g. the address is in use or the endpoint is malformed.
    case endpoint(operation: String, endpoint: String, errno: Int32, message: String)
    /// Any other failing call.
    case call(operation: String, errno: Int32, message: String)

    /// The C `errno` libzmq reported.
    public var errno: Int32 {
        switch self {
        case .contextTerminated: ETERM
        case .endpoint(_, _, let e, _), .call(_, let e, _): e
        }
    }

    public var description: String {
        switch self {
        case .contextTerminated(let op):
            "zmq \(op): the context was shut down; close the socket and stop"
        case .endpoint(let op, let endpoint, let e, let message):
            "zmq \(op) \(endpoint) failed: \(message) (errno \(e))" + Self.hint(errno: e)
        case .call(let op, let e, let message):
            "zmq \(op) failed: \(message) (errno \(e))"
        }
    }

    /// Builds the error for the current `zmq_errno()`.
    static func last(_ operation: String, endpoint: String? = nil) -> ZMQError {
        let e = zmq_errno()
        if e == ETERM { return .contextTerminated(operation: operation) }
        let message = String(cString: zmq_strerror(e))
        if let endpoint { return .endpoint(operation: operation, endpoint: endpoint, errno: e, message: message) }
        return .call(operation: operation, errno: e, message: message)
    }

    private static func hint(errno e: Int32) -> String {
        switch e {
        case EADDRINUSE: "; another process is bound to this address: stop it or pick another endpoint"
        case EINVAL, EPROTONOSUPPORT: "; endpoints look like tcp://127.0.0.1:5555 or ipc:///tmp/mailroom/stage.ipc"
        case ENOENT: "; the folder of this ipc:// path must exist"
        default: ""
        }
    }
}
