// ZMQSocketTests: the raw socket wrapper against real libzmq: multipart, errors, ETERM, LINGER, fan-out, IMMEDIATE.
import CZeroMQ
import Foundation
import Testing
@testable import MailroomTransport

@Suite struct ZMQSocketTests {
    @Test func multipartPushPullKeepsFramesIntact() throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let pull = try ZMQSocket(context: ctx, kind: .pull)
        try pull.set(.receiveTimeoutMs(2000))
        try pull.bind(ep.ipc("pp"))
        let push = try ZMQSocket(context: ctx, kind: .push)
        try push.connect(ep.ipc("pp"))

        #expect(try pull.tryReceive() == nil)
        let frames = [Data("header".utf8), Data(), Data((0...255).map { UInt8($0) }), Data(count: 100_000)]
        #expect(try push.send(frames))
        #expect(try push.send([Data("single".utf8)]))
        #expect(try pull.receive() == frames)
        #expect(try pull.receive() == [Data("single".utf8)])
        #expect(try pull.intOption(ZMQ_LINGER) == TransportDefaults.lingerMs)
        push.close(); pull.close()
        #expect(push.isClosed)
        #expect(throws: ZMQError.self) { try push.send([Data()]) }
    }

    @Test func bindErrorsNameEndpointAndErrno() throws {
        let ctx = try ZMQContext()
        let a = try ZMQSocket(context: ctx, kind: .pull)
        try a.bind("tcp://127.0.0.1:*")
        let endpoint = try a.lastEndpoint()
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let b = try ZMQSocket(context: ctx, kind: .pull)
        do {
            try b.bind(endpoint)
            Issue.record("second bind to \(endpoint) succeeded")
        } catch let error as ZMQError {
            guard case .endpoint(let op, let ep, let e, let message) = error else {
                Issue.record("wrong case \(error)"); return
            }
            #expect(op == "bind" && ep == endpoint && e == EADDRINUSE && !message.isEmpty)
            #expect(error.description.contains("another process is bound"))
        }
        #expect(throws: ZMQError.self) { try b.connect("nonsense://x") }
    }

    @Test func shutdownWakesABlockedReceiveWithETERM() throws {
        let ctx = try ZMQContext()
        let result = Locked<ZMQError?>(nil)
        let started = DispatchSemaphore(value: 0)
        let exited = DispatchSemaphore(value: 0)
        let ep = TestEndpoints()
        Thread {
            do {
                let pull = try ZMQSocket(context: ctx, kind: .pull)  // no receive timeout: blocks forever
                try pull.bind(ep.ipc("eterm"))
                started.signal()
                do { _ = try pull.receive() } catch let e as ZMQError { result.withLock { $0 = e } }
                pull.close()
            } catch {}
            exited.signal()
        }.start()
        started.wait()
        Thread.sleep(forTimeInterval: 0.05)
        ctx.shutdown()
        #expect(exited.wait(timeout: .now() + 5) == .success)
        #expect(result.withLock { $0 } == .contextTerminated(operation: "recv"))
        #expect(finishes(within: 5) { ctx.terminate() })
    }

    @Test func lingerKeepsContextTerminationFromHanging() throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let push = try ZMQSocket(context: ctx, kind: .push)
        try push.set(.lingerMs(100))
        try push.connect(ep.ipc("nobody"))     // never bound: the message can never leave
        #expect(try push.trySend([Data("stuck".utf8)]))
        push.close()
        let start = Date()
        #expect(finishes(within: 5) { ctx.terminate() })
        #expect(Date().timeIntervalSince(start) < 2)
    }

    @Test func pushConnectedToTwoPullsRoundRobins() throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let pulls = try ["a", "b"].map { name in
            let s = try ZMQSocket(context: ctx, kind: .pull)
            try s.set(.receiveTimeoutMs(2000))
            try s.bind(ep.ipc(name))
            return s
        }
        let push = try ZMQSocket(context: ctx, kind: .push)
        try push.connect(ep.ipc("a"))
        try push.connect(ep.ipc("b"))
        for i in 0..<10 { #expect(try push.send([Data("\(i)".utf8)])) }
        var got: [[String]] = [[], []]
        for (k, pull) in pulls.enumerated() {
            while let frames = try pull.receive() {
                got[k].append(String(decoding: frames[0], as: UTF8.self))
                if got[0].count + got[1].count == 10 { break }
                try pull.set(.receiveTimeoutMs(200))
            }
        }
        #expect(got[0].count == 5 && got[1].count == 5)
        #expect(Set(got[0] + got[1]).count == 10)
    }

    /// Sends 10 messages over a PUSH connected to a bound PULL and to an endpoint nobody binds;
    /// returns how many the bound PULL received.
    private func deliveredToLivePeer(immediate: Bool) throws -> Int {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let pull = try ZMQSocket(context: ctx, kind: .pull)
        try pull.set(.receiveTimeoutMs(300))
        try pull.bind(ep.ipc("live"))
        let push = try ZMQSocket(context: ctx, kind: .push)
        try push.set([.immediate(immediate), .sendTimeoutMs(2000), .lingerMs(0)])
        try push.connect(ep.ipc("live"))
        try push.connect(ep.ipc("never-bound"))
        for i in 0..<10 { #expect(try push.send([Data("\(i)".utf8)])) }
        var n = 0
        while try pull.receive() != nil { n += 1 }
        return n
    }

    @Test func immediateQueuesNothingToANeverConnectedPeer() throws {
        #expect(try deliveredToLivePeer(immediate: true) == 10)
        // Control: without IMMEDIATE, libzmq parks half of them on the dead peer's pipe.
        #expect(try deliveredToLivePeer(immediate: false) < 10)
    }

    @Test func immediateWithNoPeerRefusesToQueue() throws {
        let ep = TestEndpoints()
        let ctx = try ZMQContext()
        let push = try ZMQSocket(context: ctx, kind: .push)
        try push.set(.immediate(true))
        try push.connect(ep.ipc("nobody"))
        #expect(try push.trySend([Data("x".utf8)]) == false)
    }
}
