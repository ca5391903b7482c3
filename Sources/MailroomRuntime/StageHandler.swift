// StageHandler: what one pipeline stage (cleaner, classifier, router, feedback-collector) supplies to the runtime:
// its name, its batch size, its typed outputs and the function from a batch of envelopes to what it sends on.
import Foundation
import MailroomCore
import MailroomTransport

/// The named outputs of a stage, declared once as an enum (e.g. `enum RouterOutput: String, StagePort`).
/// The stage's `main` gives every case an endpoint (``StageOutputSpec``); the runtime refuses to start otherwise.
public protocol StagePort: CaseIterable, Hashable, Sendable {
    /// The output's name in logs and errors (the flag that configures it, for example).
    var name: String { get }
}

extension StagePort where Self: RawRepresentable, RawValue == String {
    public var name: String { rawValue }
}

/// The outputs of a stage that sends nothing on (the feedback-collector).
public enum NoOutputs: StagePort {
    public var name: String { switch self {} }
}

/// How one output reaches the next stage.
public struct StageOutputSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// PUSH, connected to every endpoint (round-robin over the replicas behind them); lossless, back-pressured.
        case push
        /// PUSH, bound on the endpoint: the next stage's replicas connect to it (`--pull-from`) and it deals to
        /// them round-robin, so they need no stable address (a Deployment's pods) and a new one takes work as soon
        /// as it connects; lossless, back-pressured (it waits while none is connected).
        case pushBound
        /// PUB, bound on every endpoint; a subscriber at its high-water mark misses messages (libzmq's rule).
        case publish
        /// PUSH back to the replica of `stage` that sent the message: one socket per endpoint, endpoint N being
        /// replica N (`{all:…}` lists them in replica order), chosen by that stage's stamp on the envelope. The
        /// router's results go to the gateway replica that holds the request.
        case pushToOrigin(stage: String)
        /// PUSH to one replica per email: a socket per endpoint, the email's id (its stable hash) choosing which, so
        /// an email re-sent after a fault reaches the replica that may already have it and recognises it (the
        /// routers' outboxes publish each email once; round-robin would let a second router publish it again).
        case pushByID
    }
    /// What the runtime does when the output's queue is full.
    public enum WhenFull: Sendable, Equatable {
        /// Wait for room: the next stage's slowness holds this stage back (nothing is lost).
        case wait
        /// Do not wait: hand the message back to the handler (``StageHandler/settled(delivered:undelivered:)``),
        /// which keeps it and offers it again later, so a slow or dead side stage never stalls the main path.
        case handBack
    }
    public var kind: Kind
    public var endpoints: [String]
    public var whenFull: WhenFull
    /// CURVE for the output's sockets (the router's PUB on tcp); the runtime starts the ZAP handler that checks
    /// client keys.
    public var curve: CurveRole?
    public init(kind: Kind, endpoints: [String], whenFull: WhenFull = .wait, curve: CurveRole? = nil) {
        self.kind = kind; self.endpoints = endpoints; self.whenFull = whenFull; self.curve = curve
    }
    public static func push(_ endpoints: [String], whenFull: WhenFull = .wait) -> StageOutputSpec {
        .init(kind: .push, endpoints: endpoints, whenFull: whenFull)
    }
    public static func pushBound(_ endpoints: [String]) -> StageOutputSpec {
        .init(kind: .pushBound, endpoints: endpoints)
    }
    /// A PUSH output from its two flags: `--FLAG-bind ENDPOINT` binds it (the next stage connects: ``pushBound(_:)``),
    /// `--FLAG ENDPOINTS` connects to each (``push(_:whenFull:)``); exactly one of them.
    public static func push(flag: String, options: StageOptions) throws(OptionsError) -> StageOutputSpec {
        let connect = options.list(flag), bind = options.list(flag + "-bind")
        switch (connect.isEmpty, bind.isEmpty) {
        case (true, false): return .pushBound(bind)
        case (false, true): return .push(connect)
        case (false, false):
            throw .invalid(flag: flag + "-bind", value: bind.joined(separator: ","),
                           expected: "either --\(flag)-bind (the next stage connects) or --\(flag) (connect to it), not both")
        case (true, true): throw .missingOneOf([flag + "-bind", flag])
        }
    }
    public static func publish(_ endpoints: [String], curve: CurveRole? = nil) -> StageOutputSpec {
        .init(kind: .publish, endpoints: endpoints, curve: curve)
    }
    public static func pushToOrigin(_ endpoints: [String], stage: String) -> StageOutputSpec {
        .init(kind: .pushToOrigin(stage: stage), endpoints: endpoints)
    }
    public static func pushByID(_ endpoints: [String]) -> StageOutputSpec {
        .init(kind: .pushByID, endpoints: endpoints)
    }

    /// The sockets this output needs: (kind, endpoints) for each.
    var sockets: [(kind: EnvelopeSender.Kind, endpoints: Endpoints)] {
        switch kind {
        case .push: [(.push, Endpoints(connect: endpoints))]
        case .pushBound: [(.push, Endpoints(bind: endpoints))]
        case .publish: [(.publish, Endpoints(bind: endpoints))]
        case .pushToOrigin, .pushByID: endpoints.map { (.push, Endpoints(connect: [$0])) }
        }
    }

    /// Which of ``sockets`` sends `envelope`: for ``Kind/pushToOrigin(stage:)`` the origin's replica (the first
    /// socket when the stamp is missing or names a replica past the list, so nothing is dropped); for
    /// ``Kind/pushByID`` the one its id hashes to.
    func socketIndex(for envelope: Envelope) -> Int {
        if case .pushByID = kind, endpoints.count > 1 {
            return Int(StableSplit.hash(envelope.messageID) % UInt64(endpoints.count))
        }
        guard case .pushToOrigin(let stage) = kind,
              let replica = envelope.stamps.first(where: { $0.stage == stage })?.replica,
              replica >= 0, replica < endpoints.count else { return 0 }
        return replica
    }
}

/// One message a handler wants sent, on one of its outputs.
public struct StageOutput<Port: StagePort>: Sendable {
    public var port: Port
    public var envelope: Envelope
    /// Frames sent before the envelope's two (the router's PUB topic and sequence number).
    public var prefix: [Data]
    public init(_ port: Port, _ envelope: Envelope, prefix: [Data] = []) {
        self.port = port; self.envelope = envelope; self.prefix = prefix
    }
}

/// Whether a stage can take work, as its heartbeats report it.
public struct StageReadiness: Sendable, Equatable {
    public var ready: Bool
    /// The model version it serves, for stages that hold a model.
    public var modelVersion: String?
    /// The served model's heads and labels, for stages that hold a model.
    public var heads: [HeadSpec]?
    /// The candidate run in shadow beside the served model (classifiers).
    public var shadowVersion: String?
    /// Cumulative figures for the gateway's /metrics (family name → value).
    public var figures: [String: Double]?
    public init(ready: Bool, modelVersion: String? = nil, heads: [HeadSpec]? = nil, shadowVersion: String? = nil,
                figures: [String: Double]? = nil) {
        self.ready = ready; self.modelVersion = modelVersion; self.heads = heads
        self.shadowVersion = shadowVersion; self.figures = figures
    }
    public static let ready = StageReadiness(ready: true)
}

/// The logic of one stage. The runtime calls every method on the stage's one handler thread, one call at a time,
/// so a handler keeps its state without locks (and may block: a model call runs off Swift's cooperative pool).
public protocol StageHandler: AnyObject, SendableMetatype {
    associatedtype Output: StagePort
    /// `cleaner`, `classifier`, `router`, `feedback-collector`: the name in logs and heartbeats.
    var stage: String { get }
    /// Most envelopes handed to ``handle(_:)`` at once.
    var maxBatch: Int { get }
    /// Work before the input binds (e.g. load and warm a model). Upstream holds messages meanwhile, and
    /// heartbeats go on saying "not ready".
    func prepare() throws
    /// Handles a batch of decoded envelopes, returning what to send on.
    func handle(_ batch: [Envelope]) -> [StageOutput<Output>]
    /// Read after ``prepare()`` and after every call; heartbeats carry the latest value.
    var readiness: StageReadiness { get }
    /// Called about every ``TransportDefaults/pollIntervalMs`` between batches (e.g. to follow a registry, or to
    /// offer again what a ``StageOutputSpec/WhenFull/handBack`` output handed back); returns more to send.
    func idle() -> [StageOutput<Output>]
    /// After the runtime has sent what ``handle(_:)`` or ``idle()`` returned: which outputs libzmq's queue took and
    /// which a ``StageOutputSpec/WhenFull/handBack`` output handed back (full, or closed at shutdown).
    func settled(delivered: [StageOutput<Output>], undelivered: [StageOutput<Output>])
    /// Emails the last ``handle(_:)`` could not handle, each failing on its own (a poison email): id → reason
    /// (never email text). The runtime reports them to the gateway, which makes them dead letters.
    func takeFailures() -> [(id: String, reason: String)]
}

extension StageHandler {
    public func prepare() throws {}
    public var readiness: StageReadiness { .ready }
    public func idle() -> [StageOutput<Output>] { [] }
    public func settled(delivered: [StageOutput<Output>], undelivered: [StageOutput<Output>]) {}
    public func takeFailures() -> [(id: String, reason: String)] { [] }
}
