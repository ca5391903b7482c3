// Backoff: the exponential restart delay for crash-looping instances.
import Foundation

/// Restart delays: `initial`, then multiplied by `multiplier` after each consecutive failure, capped at `maximum`.
///
/// An instance that ran for at least `resetAfter` seconds before exiting counts as healthy: its next
/// restart waits `initial` again. The default is 0.5 s doubling to 30 s, reset after 60 s healthy.
public struct Backoff: Sendable, Equatable {
    /// The delay before the first restart, in seconds.
    public var initial: Double
    /// The factor applied for each further consecutive failure.
    public var multiplier: Double
    /// The longest delay, in seconds.
    public var maximum: Double
    /// Seconds of uptime after which the failure count starts again from zero.
    public var resetAfter: Double

    public init(initial: Double = 0.5, multiplier: Double = 2, maximum: Double = 30, resetAfter: Double = 60) {
        self.initial = initial; self.multiplier = multiplier; self.maximum = maximum; self.resetAfter = resetAfter
    }

    /// 0.5 s doubling to 30 s, reset after 60 s healthy.
    public static let `default` = Backoff()

    /// The delay in seconds after `failures` consecutive failures (1 = first failure → ``initial``).
    public func delay(afterFailures failures: Int) -> Double {
        let exponent = Double(max(failures, 1) - 1)
        return min(maximum, initial * pow(multiplier, exponent))
    }
}
