// ConcurrentReaderTests: in WAL mode a second connection reads while the first keeps writing.
import Foundation
import MailroomCore
import Testing
@testable import MailroomStore

@Suite struct ConcurrentReaderTests {
    @Test(arguments: StoreBackend.enabled) func readerSeesCommittedStateWhileAWriterIsMidTransaction(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let path = location
        let reader = try FeedbackStore(path: path)  // also creates the schema
        let batches = 200, perBatch = 10, pauseAt = 100
        let writerError = Locked<(any Error)?>(nil)
        let writerDone = DispatchSemaphore(value: 0)
        let midTransaction = DispatchSemaphore(value: 0)
        let readerLooked = DispatchSemaphore(value: 0)
        Thread {
            defer { writerDone.signal() }
            do {
                let writer = try FeedbackStore(path: path)
                for b in 0..<batches {
                    try writer.inTransaction {
                        for k in 0..<perBatch {
                            let id = "m\(b * perBatch + k)"
                            let (e, a) = routed(id, heads: ["intent": "payment"])
                            try writer.record(email: e, assignment: a)
                            try writer.record(Outcome(id: id, labels: ["intent": "payment"]))
                        }
                        if b == pauseAt {
                            // Hold the write transaction open, uncommitted rows inside, while the reader reads.
                            midTransaction.signal()
                            _ = readerLooked.wait(timeout: .now() + 10)
                        }
                    }
                }
            } catch { writerError.withLock { $0 = error } }
        }.start()

        #expect(midTransaction.wait(timeout: .now() + 10) == .success)
        // WAL: the read neither blocks nor fails with SQLITE_BUSY, and sees only committed batches.
        let during = try reader.counts()
        readerLooked.signal()
        #expect(during == FeedbackCounts(predictions: pauseAt * perBatch, outcomes: pauseAt * perBatch,
                                         closed: pauseAt * perBatch))
        var last = during.predictions
        while writerDone.wait(timeout: .now()) == .timedOut {
            let c = try reader.counts()
            // Each read sees whole transactions only: counts move in steps of perBatch and never back.
            #expect(c.predictions % perBatch == 0 && c.predictions == c.outcomes && c.closed == c.predictions)
            #expect(c.predictions >= last)
            last = c.predictions
        }
        let failure = writerError.withLock { $0 }
        #expect(failure == nil, "writer failed: \(String(describing: failure))")
        #expect(try reader.counts() == FeedbackCounts(predictions: batches * perBatch, outcomes: batches * perBatch,
                                                     closed: batches * perBatch))
    }
}

/// A lock-guarded value for the test's two threads.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}
