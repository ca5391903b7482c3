// ReceiptInbox: the feedback-collectors' receipts for this router, gathered off the handler thread (a SUB socket on
// every collector's acks endpoint) and taken by the handler between batches.
import Foundation
import Logging
import MailroomTransport
import Synchronization

/// Subscribes to `topic` on every collector's acks socket and keeps the acknowledged ids until ``take()``.
public final class ReceiptInbox: Sendable {
    private let ids = AckedIDs()
    private let receiver: EnvelopeReceiver
    private let context: ZMQContext
    private let task: Task<Void, Never>

    /// - Throws: ``ZMQError`` when the endpoints cannot be connected.
    public init(endpoints: [String], topic: String, logger: Logger) throws {
        let context = try ZMQContext()
        let receiver = try EnvelopeReceiver(context: context, kind: .subscribe(prefixes: [Data(topic.utf8)]),
                                            endpoints: Endpoints(connect: endpoints), logger: logger)
        self.context = context; self.receiver = receiver
        let ids = self.ids
        task = Task {
            for await envelope in receiver.envelopes {
                // The prefix filter also passes `acks.router.10` to `acks.router.1`: check the whole topic.
                guard envelope.publication?.topic == topic, case .ack(let ack) = envelope.payload else { continue }
                ids.value.withLock { $0.append(contentsOf: ack.ids) }
            }
        }
    }

    /// The ids acknowledged since the last call.
    public func take() -> [String] { ids.value.withLock { taken in defer { taken = [] }; return taken } }

    public func stop() {
        receiver.stop()
        task.cancel()
        context.terminate()
    }
}

private final class AckedIDs: Sendable {
    let value = Mutex<[String]>([])
}
