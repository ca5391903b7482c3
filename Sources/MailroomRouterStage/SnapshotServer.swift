// SnapshotServer: the router's answer to a subscriber that missed publications (zguide's Clone pattern): a REP
// socket where `after SEQ` returns, as one JSON frame, the assignments recorded after SEQ (a page at a time) and the
// stream's last sequence number, read from the router's outbox.
import Foundation
import Logging
import MailroomCore
import MailroomStore
import MailroomTransport
import Synchronization

/// One page of a snapshot reply.
public struct SnapshotReply: Codable, Sendable, Equatable {
    public struct Item: Codable, Sendable, Equatable {
        public var sequence: Int64
        public var assignment: Assignment
    }
    /// The PUB topic this stream is published under (`assignments.<router replica>`).
    public var topic: String
    /// The stream's highest sequence number when the page was read.
    public var lastSequence: Int64
    /// At most ``SnapshotServer/pageSize`` items, in order; ask again after the last one while it is below
    /// `lastSequence`.
    public var assignments: [Item]
    /// Set (and nothing else) when the request could not be read.
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case topic, assignments, error
        case lastSequence = "last_sequence"
    }
}

/// Serves snapshot requests on its own thread until ``stop()``.
public final class SnapshotServer: Sendable {
    /// Most assignments in one reply.
    public static let pageSize = 500

    private let stopped = StopFlag()
    private let exited = DispatchSemaphore(value: 0)

    /// Binds `endpoint` (REP) and starts answering; with a CURVE server role, only to the allowed client keys.
    /// - Throws: ``ZMQError`` when the socket cannot be bound, ``StoreError`` when the outbox cannot be opened.
    public init(endpoint: String, outboxPath: String, owner: String = "router-0", topic: String, curve: CurveRole? = nil,
                logger: Logger) throws {
        let context = try ZMQContext()
        var zap: ZAPHandler?
        if case .server(_, let clients) = curve { zap = try ZAPHandler(context: context, clients: clients, logger: logger) }
        let socket = try ZMQSocket(context: context, kind: .rep)
        if let curve { try socket.apply(curve) }
        try socket.set([.receiveTimeoutMs(TransportDefaults.pollIntervalMs), .lingerMs(0)])
        try socket.bind(endpoint)
        let reader = try OutboxReader(path: outboxPath, owner: owner)
        let box = UncheckedBox((socket, reader, context))
        let handler = zap
        let stopped = self.stopped, exited = self.exited
        let thread = Thread {
            let (socket, reader, context) = box.value
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            while !stopped.value.load(ordering: .relaxed) {
                let request: [Data]?
                do { request = try socket.receive() } catch { break }
                guard let request else { continue }
                let reply = Self.answer(request, reader: reader, topic: topic)
                if let error = reply.error { logger.warning("bad snapshot request", metadata: ["error": "\(error)"]) }
                let body = (try? encoder.encode(reply)) ?? Data("{\"error\":\"could not encode the reply\"}".utf8)
                do { _ = try socket.send([body]) } catch { break }
            }
            socket.close()
            handler?.stop()
            context.terminate()
            exited.signal()
        }
        thread.name = "mailroom.snapshot"
        thread.start()
    }

    /// Stops answering and waits for the thread to close its socket.
    public func stop() {
        guard !stopped.value.exchange(true, ordering: .relaxed) else { return }
        exited.wait()
    }

    /// Reads `after SEQ` and returns the page after SEQ, or an error reply.
    static func answer(_ request: [Data], reader: OutboxReader, topic: String) -> SnapshotReply {
        var reply = SnapshotReply(topic: topic, lastSequence: 0, assignments: [])
        let words = request.count == 1 ? String(decoding: request[0], as: UTF8.self).split(separator: " ") : []
        guard words.count == 2, words[0] == "after", let after = Int64(words[1]), after >= 0 else {
            reply.error = "send one frame `after SEQ` (SEQ a sequence number ≥ 0; 0 for everything)"
            return reply
        }
        do {
            reply.lastSequence = try reader.lastSequence()
            reply.assignments = try reader.assignments(after: after, limit: pageSize)
                .map { SnapshotReply.Item(sequence: $0.sequence, assignment: $0.assignment) }
        } catch {
            reply.error = "the outbox could not be read: \(error)"
        }
        return reply
    }
}

private final class StopFlag: Sendable {
    let value = Atomic<Bool>(false)
}

/// Moves non-Sendable values into the one thread that uses them from then on.
private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
