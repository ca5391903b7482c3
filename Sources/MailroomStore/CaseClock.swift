// CaseClock: when a closed case closed, for the retraining set's hold-out and the feedback report's periods.
import Foundation

/// A case's time: its `closed_at` (ISO 8601, with or without fractional seconds, or a date) when readable, else
/// when the store recorded the outcome. One set of formatters for a whole build.
public struct CaseClock {
    public init() {}

    private let formatters: [ISO8601DateFormatter] = [
        [.withInternetDateTime], [.withInternetDateTime, .withFractionalSeconds], [.withFullDate],
    ].map { (options: ISO8601DateFormatter.Options) in
        let f = ISO8601DateFormatter()
        f.formatOptions = options
        return f
    }

    /// The case's time in Unix ms.
    public func time(of c: ClosedCase) -> Int64 {
        if let text = c.closedAt, let d = formatters.lazy.compactMap({ $0.date(from: text) }).first {
            return Int64(d.timeIntervalSince1970 * 1000)
        }
        return c.recordedAtUnixMs
    }
}
