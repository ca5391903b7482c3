// PeerLiveness: tracks heartbeats per stage replica and says which are alive, ready, or silent too long.

/// The heartbeat bookkeeping of a stage that watches its peers (zguide's heartbeat liveness).
///
/// A replica counts as alive while its last heartbeat is younger than `timeoutMs`
/// (``TransportDefaults/heartbeatTimeoutMs`` = interval × liveness by default). A value type: keep it
/// in the actor or thread that receives the heartbeats.
public struct PeerLiveness: Sendable {
    /// One replica's latest heartbeat.
    public struct Peer: Sendable, Equatable {
        public var heartbeat: Heartbeat
        public var lastSeenUnixMs: Int64
    }

    /// Replicas by `stage/replica`.
    public private(set) var peers: [String: Peer] = [:]
    public let timeoutMs: Int64

    public init(timeoutMs: Int = TransportDefaults.heartbeatTimeoutMs) { self.timeoutMs = Int64(timeoutMs) }

    /// Records `heartbeat`, seen at `atUnixMs`.
    public mutating func record(_ heartbeat: Heartbeat, atUnixMs: Int64 = Stamp.nowUnixMs()) {
        peers["\(heartbeat.stage)/\(heartbeat.replica)"] = Peer(heartbeat: heartbeat, lastSeenUnixMs: atUnixMs)
    }

    /// Replicas whose last heartbeat is younger than the timeout at `nowUnixMs`, sorted by stage and replica.
    public func alive(atUnixMs nowUnixMs: Int64 = Stamp.nowUnixMs()) -> [Heartbeat] {
        peers.values.filter { nowUnixMs - $0.lastSeenUnixMs < timeoutMs }.map(\.heartbeat)
            .sorted { ($0.stage, $0.replica) < ($1.stage, $1.replica) }
    }

    /// Whether `stage` has at least one alive replica that reports itself ready.
    public func isReady(stage: String, atUnixMs nowUnixMs: Int64 = Stamp.nowUnixMs()) -> Bool {
        alive(atUnixMs: nowUnixMs).contains { $0.stage == stage && $0.ready }
    }

    /// Drops replicas silent for longer than the timeout; returns them (to log as lost).
    public mutating func removeSilent(atUnixMs nowUnixMs: Int64 = Stamp.nowUnixMs()) -> [Heartbeat] {
        let silent = peers.filter { nowUnixMs - $0.value.lastSeenUnixMs >= timeoutMs }
        for key in silent.keys { peers[key] = nil }
        return silent.values.map(\.heartbeat).sorted { ($0.stage, $0.replica) < ($1.stage, $1.replica) }
    }
}
