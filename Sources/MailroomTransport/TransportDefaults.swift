// TransportDefaults: the named wire and timing constants every Mailroom stage shares (units in the names).

/// Constants of the Mailroom wire protocol and its socket defaults, used by every stage.
///
/// Keep protocol numbers here only, so two stages can never disagree about them.
public enum TransportDefaults {
    /// The envelope schema version this build writes and the only one it reads.
    public static let schemaVersion = 1
    /// Default send/receive high-water mark, in messages, per socket (libzmq's own default is 1000).
    public static let highWaterMarkMessages: Int32 = 1000
    /// Default `ZMQ_LINGER` set on every socket before it closes: how long unsent messages may keep
    /// the context alive. Never -1 (libzmq's default), which hangs `zmq_ctx_term` forever.
    public static let lingerMs: Int32 = 500
    /// How long a socket-owning thread blocks in one receive/send before it checks for stop.
    public static let pollIntervalMs: Int32 = 100
    /// How often each stage publishes a ``Heartbeat``.
    public static let heartbeatIntervalMs = 1000
    /// Number of missed heartbeat intervals after which a peer counts as dead (zguide's 3–5).
    public static let heartbeatLiveness = 3
    /// Silence after which a peer counts as dead: `heartbeatIntervalMs × heartbeatLiveness`.
    public static let heartbeatTimeoutMs = heartbeatIntervalMs * heartbeatLiveness
    /// Default number of decoded envelopes an ``EnvelopeReceiver`` holds that the consumer has not yet taken.
    public static let receiverMaxInFlight = 64
    /// Default number of encoded envelopes an ``EnvelopeSender`` queues before `trySend` reports overload.
    public static let senderQueueCapacity = 1024
    /// Default time ``EnvelopeSender/close(drainTimeoutMs:)`` spends flushing queued envelopes.
    public static let drainTimeoutMs = 2000
}
