// ShutdownSignal: turns SIGTERM/SIGINT into a flag that stage loops poll, so they can drain and exit 0.
import Foundation
import Synchronization

/// A process-wide stop request, set by SIGTERM/SIGINT (after ``install(onSignal:)``) or by ``request()``.
///
/// `@unchecked Sendable`: the flag is atomic; `sources` is only touched under `lock` (it keeps the dispatch
/// sources alive for the life of the process).
public final class ShutdownSignal: @unchecked Sendable {
    public static let shared = ShutdownSignal()
    private let requested = Atomic<Bool>(false)
    private let lock = NSLock()
    private var sources: [any DispatchSourceSignal] = []

    public var isRequested: Bool { requested.load(ordering: .acquiring) }
    public func request() { requested.store(true, ordering: .releasing) }

    /// Replaces the default SIGTERM/SIGINT handling (immediate death) with setting this flag, then calls `onSignal`.
    public func install(onSignal: (@Sendable (Int32) -> Void)? = nil) {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                self.request()
                onSignal?(sig)
            }
            source.resume()
            lock.lock(); sources.append(source); lock.unlock()
        }
    }
}
