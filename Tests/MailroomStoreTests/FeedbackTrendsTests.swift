// FeedbackTrendsTests: `mailroom feedback report --html` on store data across several weeks: one line per version,
// role and head, gaps where a version has no cases, figures equal to ones computed here independently, and no
// subject or body text of any row in the page.
import Foundation
import MailroomCore
import Testing
@testable import MailroomStore

@Suite struct FeedbackTrendsTests {
    /// 2026-11-02, a Monday, 10:00 UTC.
    static let monday: Int64 = 1_793_613_600_000
    static let weekMs: Int64 = 7 * 86_400_000

    struct Row { var id: String; var version: String; var shadow: Bool; var week: Int; var correct: Bool; var review: Bool }

    /// v1 served in weeks 0, 1, 3, 4 (none in week 2); v2 served in weeks 2–5; v2 also in shadow in weeks 0–1.
    static func fill(_ store: FeedbackStore) throws -> [Row] {
        var rows: [Row] = []
        for week in 0..<6 {
            for k in 0..<12 {
                let served = [0, 1, 3, 4].contains(week) && (week < 2 || k % 2 == 0) ? "v1" : (week >= 2 ? "v2" : "v1")
                let id = "w\(week)-m\(k)"
                let correct = (k + week) % 3 != 0
                let time = monday + Int64(week) * weekMs + Int64(k) * 3_600_000
                let email = CleanedEmail(id: id, subject: "SECRET-SUBJECT-\(id)", text: "SECRET-BODY-\(id) " + String(repeating: "x", count: k * 60),
                                         language: k % 4 == 0 ? nil : "de")
                let label = k % 2 == 0 ? "payment" : "address"
                let prediction = Prediction(id: id, modelVersion: served,
                                            heads: ["intent": HeadPrediction(label: correct ? label : "other_intent", confidence: 0.5 + Double(k) / 30)])
                try store.record(email: email, assignment: Assignment(id: id, assignedQueue: "q", needsReview: k % 5 == 0, lowConfidenceHeads: [],
                                                                      prediction: prediction), predictedAtUnixMs: time)
                rows.append(Row(id: id, version: served, shadow: false, week: week, correct: correct, review: k % 5 == 0))
                if week < 2 {
                    let shadowCorrect = k % 4 != 0
                    try store.record(shadow: Prediction(id: id, modelVersion: "v2",
                                                        heads: ["intent": HeadPrediction(label: shadowCorrect ? label : "other_intent", confidence: 0.8)]),
                                     predictedAtUnixMs: time)
                    rows.append(Row(id: id, version: "v2", shadow: true, week: week, correct: shadowCorrect, review: false))
                }
                // closed_at as the CRM sent it; every fourth case has none and falls back to when it was recorded.
                let closedAt = k % 4 == 3 ? nil : ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(time + 3_600_000) / 1000))
                try store.record(Outcome(id: id, labels: ["intent": label], closedAt: closedAt), receivedAtUnixMs: time + 3_600_000)
            }
        }
        return rows
    }

    /// `data-values` of the chart series `key`, split per period.
    static func values(_ html: String, key: String) throws -> [String] {
        let marker = "data-series=\"\(key)\" data-values=\""
        let start = try #require(html.range(of: marker), "no series \(key)")
        let end = try #require(html.range(of: "\"", range: start.upperBound..<html.endIndex))
        return html[start.upperBound..<end.lowerBound].split(separator: " ").map(String.init)
    }

    /// The polylines of the series `key`.
    static func polylines(_ html: String, key: String) throws -> Int {
        let start = try #require(html.range(of: "data-series=\"\(key)\""))
        let end = try #require(html.range(of: "</g>", range: start.upperBound..<html.endIndex))
        return html[start.upperBound..<end.lowerBound].components(separatedBy: "<polyline").count - 1
    }

    @Test(arguments: StoreBackend.enabled) func weeklyPageHasOneLinePerVersionRoleAndHeadWithIndependentFigures(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        let rows = try Self.fill(store)
        let cases = try store.closedCases(includeShadow: true)
        let trends = FeedbackTrends(cases: cases, period: .week, profiles: [:])
        let html = trends.html(table: try store.report())
        #expect(trends.periods == ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30", "2026-12-07"])

        // No subject or body text of any row, anywhere in the page; no script, no external asset.
        #expect(!html.contains("SECRET"))
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href="))

        // Accuracy per week, computed here from the generated rows.
        for (version, shadow) in [("v1", false), ("v2", false), ("v2", true)] {
            let key = "accuracy|intent|\(version)|\(shadow ? "shadow" : "served")"
            let expected = (0..<6).map { week -> String in
                let mine = rows.filter { $0.version == version && $0.shadow == shadow && $0.week == week }
                guard !mine.isEmpty else { return "–" }
                return String(format: "%.4f", Double(mine.filter(\.correct).count) / Double(mine.count))
            }
            #expect(try Self.values(html, key: key) == expected, "\(key)")
            let review = (0..<6).map { week -> String in
                let mine = rows.filter { $0.version == version && !$0.shadow && $0.week == week }
                guard !mine.isEmpty, !shadow else { return "–" }
                return String(format: "%.4f", Double(mine.filter(\.review).count) / Double(mine.count))
            }
            if !shadow { #expect(try Self.values(html, key: "review|\(version)|served") == review) }
        }
        // One polyline per version, role and head where its weeks are consecutive; a gap (v1 in week 2) breaks it.
        #expect(try Self.polylines(html, key: "accuracy|intent|v2|served") == 1)
        #expect(try Self.polylines(html, key: "accuracy|intent|v2|shadow") == 1)
        #expect(try Self.polylines(html, key: "accuracy|intent|v1|served") == 2)
        #expect(try Self.values(html, key: "accuracy|intent|v1|served")[2] == "–", "a week without cases is a gap, not 0")
        #expect(html.components(separatedBy: "data-series=\"accuracy|").count - 1 == 3)
        // The existing all-time table is in the page too.
        #expect(html.contains("<td>v1</td><td>intent</td>"))
    }

    @Test(arguments: StoreBackend.enabled) func driftAgainstAValidationProfileIsDrawnOnlyForProfiledVersions(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        _ = try Self.fill(store)
        let cases = try store.closedCases(includeShadow: true)
        var validation = TrafficProfile()
        validation.add(labels: ["intent": "payment"], confidences: ["intent": 0.95], language: "de", modelText: "x")
        validation.add(labels: ["intent": "address"], confidences: ["intent": 0.65], language: "de", modelText: "x")
        let trends = FeedbackTrends(cases: cases, period: .week, profiles: ["v1": validation])
        let html = trends.html(table: [])
        let week0 = cases.filter { !$0.shadow && $0.modelVersion == "v1" && CaseClock().time(of: $0) < Self.monday + Self.weekMs - 36_000_000 }
        var profile = TrafficProfile()
        for c in week0 { profile.add(labels: c.predicted, confidences: c.confidence, language: c.language, modelText: modelText(subject: c.subject, body: c.text)) }
        let psi = try #require(TrafficProfile.psi(actual: profile.heads["intent"]!.labels, expected: validation.heads["intent"]!.labels))
        #expect(try Self.values(html, key: "label_psi|intent|v1|served")[0] == String(format: "%.4f", psi))
        #expect(!html.contains("label_psi|intent|v2"), "v2 has no validation profile: no PSI line")
    }

    @Test(arguments: StoreBackend.enabled) func recentQualityReadsOnlyTheWindow(_ backend: StoreBackend) throws {
        let dir = TempFolder()
        let location = try backend.location(dir)
        let store = try FeedbackStore(path: location)
        _ = try Self.fill(store)
        let roles = try store.versionRoles()
        #expect(roles.map { "\($0.modelVersion) \($0.shadow)" } == ["v2 false", "v1 false", "v2 true"])
        let v1 = try store.recentQuality(of: roles[1], window: 5)
        #expect(v1.traffic.count == 5 && v1.scores["intent"]?.count == 5)
        let shadow = try store.recentQuality(of: roles[2], window: 500)
        #expect(shadow.traffic.count == 24 && shadow.reviewRate == nil && shadow.role == "shadow")
        #expect(shadow.traffic.languages["none"] == 6, "a shadow's input is the served email's")
    }
}
