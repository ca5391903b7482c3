// NamedListener: a process's HTTP listener as a Service whose failure names the address, the flag that set it and
// what to do, instead of the socket layer's bare "bind(…): Address already in use".
import ServiceLifecycle

/// The listener could not start or stopped with an error.
public struct ListenerError: Error, CustomStringConvertible {
    /// What listens: `the cleaner's /metrics`, `the gateway's API`.
    public var what: String
    public var host: String
    public var port: Int
    /// The flag that chose the port (`--metrics-port`).
    public var flag: String
    /// The underlying error, as the socket layer wrote it.
    public var reason: String

    public init(what: String, host: String, port: Int, flag: String, reason: String) {
        self.what = what; self.host = host; self.port = port; self.flag = flag; self.reason = reason
    }

    public var description: String {
        let taken = reason.contains("Address already in use")
        let none = flag == "--metrics-port" ? " (0: no listener)" : ""
        let hint = taken ? "another process listens there: stop it, or choose another \(flag)\(none)"
            : "check \(flag) and that \(host) is an address of this machine"
        return "\(what) cannot listen on \(host):\(port): \(hint) (\(reason))"
    }
}

/// Runs `inner` (a Hummingbird Application) and names its address when it fails.
public struct NamedListener: Service {
    let inner: any Service
    let what: String
    let host: String
    let port: Int
    let flag: String

    public init(_ inner: any Service, what: String, host: String, port: Int, flag: String) {
        self.inner = inner; self.what = what; self.host = host; self.port = port; self.flag = flag
    }

    public func run() async throws {
        do { try await inner.run() } catch is CancellationError { throw CancellationError() } catch {
            throw ListenerError(what: what, host: host, port: port, flag: flag, reason: "\(error)")
        }
    }
}
