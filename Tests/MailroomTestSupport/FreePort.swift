// FreePort: TCP ports on 127.0.0.1 that nothing listens on right now, for the servers tests start: topologies,
// PostgreSQL. No port is handed out twice in one test process (suites run in parallel, and a port handed out is
// only bound later, when the test's processes start), and a block of consecutive ports can be asked for (the
// gateway's replica N listens on its port + N).
import Foundation
import Synchronization

public enum FreePort {
    private static let handedOut = Mutex<Set<Int>>([])

    /// One free port (the kernel picks it).
    public static func next() -> Int { block(1) }

    /// The first of `count` consecutive ports that are all free now and were never handed out before.
    public static func block(_ count: Int) -> Int {
        precondition(count >= 1, "a block of at least one port")
        for _ in 0..<200 {
            guard let first = kernelPick(), first + count - 1 <= 65535 else { continue }
            let ports = Array(first..<(first + count))
            guard ports.dropFirst().allSatisfy(isFree) else { continue }
            let taken = handedOut.withLock { set -> Bool in
                guard ports.allSatisfy({ !set.contains($0) }) else { return false }
                set.formUnion(ports)
                return true
            }
            if taken { return first }
        }
        fatalError("no block of \(count) free TCP ports on 127.0.0.1 after 200 tries")
    }

    /// A port the kernel picks for a bind to port 0.
    private static func kernelPick() -> Int? { bound(port: 0) }

    private static func isFree(_ port: Int) -> Bool { bound(port: port) == port }

    /// Binds a TCP socket to 127.0.0.1:`port` (0: any) and closes it; the port it got, or nil when bind failed.
    private static func bound(port: Int) -> Int? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard ok == 0 else { return nil }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
