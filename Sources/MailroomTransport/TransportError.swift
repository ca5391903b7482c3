// TransportError: errors of the envelope sender/receiver helpers (as opposed to raw libzmq errors).

/// An error from ``EnvelopeSender`` or ``EnvelopeReceiver``.
public enum TransportError: Error, Equatable, CustomStringConvertible {
    /// The sender's queue holds `capacity` envelopes not yet handed to libzmq; the downstream stage is
    /// slower than the input. Callers at the edge (the gateway) answer 429; stages use `send` instead.
    case overloaded(capacity: Int)
    /// The sender was closed; no more envelopes are accepted.
    case closed
    /// The envelope could not be encoded as JSON.
    case encodingFailed(type: PayloadType, reason: String)

    public var description: String {
        switch self {
        case .overloaded(let capacity):
            "transport overloaded: \(capacity) envelopes are waiting for the next stage; retry later or add replicas"
        case .closed: "transport closed: this sender no longer accepts envelopes"
        case .encodingFailed(let type, let reason): "cannot encode \(type.rawValue) envelope: \(reason)"
        }
    }
}
