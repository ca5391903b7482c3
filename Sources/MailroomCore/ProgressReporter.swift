// ProgressReporter: a one-line progress bar on stderr (rate, ETA, extra figures) for long CLI work.
import Foundation

/// Draws `label [#####-----] done/total rate ETA extra` on stderr, redrawn at most every 0.2 s.
/// When stderr is not a terminal it prints a plain line every 10 % instead.
public final class ProgressReporter {
    private let label: String
    private var total: Int
    private let unit: String
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let isTTY = isatty(STDERR_FILENO) != 0

    public init(label: String, total: Int, unit: String = "items") {
        self.label = label; self.total = max(total, 1); self.unit = unit
    }

    /// Reports `done` of `total` units finished, with optional extra text (e.g. `loss 0.42`). `total`, when given,
    /// replaces the total (for work that learns its size as it goes).
    public func update(_ done: Int, total newTotal: Int? = nil, extra: String = "") {
        if let newTotal { total = max(newTotal, 1) }
        let now = Date()
        let elapsed = now.timeIntervalSince(start)
        let (rateText, eta) = Self.rateAndETA(done: done, total: total, elapsed: elapsed)
        let fraction = min(1, Double(done) / Double(total))
        if isTTY {
            guard now.timeIntervalSince(lastDraw) >= 0.2 || done >= total else { return }
            lastDraw = now
            let width = 24
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            let line = "\r\(label) [\(bar)] \(done)/\(total) \(rateText) \(unit)/s ETA \(Self.clock(eta)) \(extra)"
            FileHandle.standardError.write(Data((line + "\u{1B}[K").utf8))
        } else {
            let decile = Int(fraction * 10)
            guard decile > lastDecile else { return }
            lastDecile = decile
            FileHandle.standardError.write(Data("\(label): \(done)/\(total) (\(decile * 10)%) \(rateText) \(unit)/s ETA \(Self.clock(eta)) \(extra)\n".utf8))
        }
    }

    /// Ends the bar with a summary line.
    public func finish(_ message: String = "") {
        let elapsed = Date().timeIntervalSince(start)
        let text = "\(label): done in \(String(format: "%.1f", elapsed)) s \(message)\n"
        FileHandle.standardError.write(Data(((isTTY ? "\r" : "") + text).utf8))
    }

    /// The rate as printed and the seconds left. A rate from the first unit or the first half second says nothing
    /// yet (1 step in 0.3 ms printed as "3858 steps/s", ETA 00:00): "–" and an unknown ETA until then.
    static func rateAndETA(done: Int, total: Int, elapsed: Double) -> (rate: String, eta: Double) {
        guard done >= 2, elapsed >= 0.5 else { return ("–", .infinity) }
        let rate = Double(done) / elapsed
        return (String(format: "%.1f", rate), Double(max(total - done, 0)) / rate)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return String(format: "%02d:%02d", s / 60, s % 60)
    }
}
