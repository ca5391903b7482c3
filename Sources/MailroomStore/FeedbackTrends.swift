// FeedbackTrends: closed cases per period (day or ISO week, UTC) and per model version and role, each scored with
// QualitySummary: what `mailroom feedback report --html` draws. A period without cases has no summary (a gap, not 0).
import Foundation
import MailroomCore

/// How the report groups cases in time.
public enum ReportPeriod: String, Sendable, CaseIterable {
    case day, week

    private static let dayMs: Int64 = 86_400_000

    /// The start (Unix ms, UTC midnight) of the period holding `unixMs`: its day, or the Monday of its ISO week.
    public func start(ofUnixMs unixMs: Int64) -> Int64 {
        let day = unixMs >= 0 ? unixMs / Self.dayMs : (unixMs - Self.dayMs + 1) / Self.dayMs  // floor
        switch self {
        case .day: return day * Self.dayMs
        case .week:
            let weekday = ((day + 3) % 7 + 7) % 7  // 1970-01-01 was a Thursday: Monday = 0
            return (day - weekday) * Self.dayMs
        }
    }

    /// The start of the next period after the one starting at `start`.
    public func next(_ start: Int64) -> Int64 { start + (self == .day ? 1 : 7) * Self.dayMs }

    /// `2026-11-02`: the period's first day (UTC).
    public func label(_ start: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date(timeIntervalSince1970: Double(start) / 1000))
    }
}

public struct FeedbackTrends: Sendable {
    /// One model version in one role, period by period.
    public struct Line: Sendable {
        public var modelVersion: String
        public var shadow: Bool
        public var role: String { shadow ? "shadow" : "served" }
        /// Index into ``FeedbackTrends/periods`` → the version's cases of that period (absent: no cases).
        public var byPeriod: [Int: QualitySummary]
    }

    public var period: ReportPeriod
    /// Every period from the first case's to the last one's, empty ones included (label: its first day).
    public var periods: [String]
    /// Served lines first, then shadow; by version.
    public var lines: [Line]
    /// All served cases per period, whatever the version (the input and label mix of the traffic).
    public var traffic: [Int: QualitySummary]
    /// Every head any case predicts, sorted.
    public var heads: [String]
    /// Version → validation profile (``ValidationProfiles``); versions without one get no PSI.
    public var profiles: [String: TrafficProfile]
    public var caseCount: Int

    /// Groups `cases` (served and shadow, e.g. `closedCases(includeShadow: true)`) by period, version and role.
    /// A case's time is its `closed_at` when parseable, else when the store recorded it (``CaseClock``).
    public init(cases: [ClosedCase], period: ReportPeriod, profiles: [String: TrafficProfile]) {
        self.period = period; self.profiles = profiles; caseCount = cases.count
        let clock = CaseClock()
        let starts = cases.map { period.start(ofUnixMs: clock.time(of: $0)) }
        var periodStarts: [Int64] = []
        if let first = starts.min(), let last = starts.max() {
            var s = first
            while s <= last { periodStarts.append(s); s = period.next(s) }
        }
        let index = Dictionary(uniqueKeysWithValues: periodStarts.enumerated().map { ($0.element, $0.offset) })
        periods = periodStarts.map(period.label)
        var byKey: [String: Line] = [:]
        var traffic: [Int: QualitySummary] = [:]
        for (c, start) in zip(cases, starts) {
            let i = index[start]!
            let key = "\(c.shadow ? 1 : 0) \(c.modelVersion)"
            byKey[key, default: Line(modelVersion: c.modelVersion, shadow: c.shadow, byPeriod: [:])]
                .byPeriod[i, default: QualitySummary(modelVersion: c.modelVersion, shadow: c.shadow)].add(c)
            if !c.shadow { traffic[i, default: QualitySummary(modelVersion: "", shadow: false)].add(c) }
        }
        lines = byKey.values.sorted { ($0.shadow ? 1 : 0, $0.modelVersion) < ($1.shadow ? 1 : 0, $1.modelVersion) }
        self.traffic = traffic
        heads = Set(cases.flatMap(\.predicted.keys)).sorted()
    }

    /// One value per period of `line` (nil where it has no cases, or `value` has none).
    public func values(_ line: Line, _ value: (QualitySummary) -> Double?) -> [Double?] {
        periods.indices.map { i in line.byPeriod[i].flatMap(value) }
    }
}
