// TrafficProfileTests: the buckets training and /metrics share, and the population stability index: 0 for identical
// distributions, a hand-computed value, finite with empty bins; and the retrain status transitions.
import Foundation
import MailroomCore
import Testing

@Suite struct TrafficProfileTests {
    @Test func psiOfIdenticalDistributionsIsZero() throws {
        let counts = ["a": 3, "b": 7, "c": 10]
        #expect(try #require(TrafficProfile.psi(actual: counts, expected: counts)) == 0)
        // Same shares at another scale are the same distribution.
        let scaled = counts.mapValues { $0 * 5 }
        #expect(abs(try #require(TrafficProfile.psi(actual: scaled, expected: counts))) < 1e-12)
        #expect(TrafficProfile.psi(actual: [1, 2, 3], expected: [2, 4, 6]).map { abs($0) < 1e-12 } == true)
    }

    @Test func psiMatchesAHandComputedExample() throws {
        // Shares 0.2/0.8 against 0.5/0.5: (0.2−0.5)·ln(0.2/0.5) + (0.8−0.5)·ln(0.8/0.5)
        //   = (−0.3)(−0.9162907) + (0.3)(0.4700036) = 0.2748872 + 0.1410011 = 0.4158883.
        let psi = try #require(TrafficProfile.psi(actual: ["a": 2, "b": 8], expected: ["a": 5, "b": 5]))
        #expect(abs(psi - 0.4158883) < 1e-6, "\(psi)")
    }

    @Test func emptyBinsStayFinite() throws {
        // b is empty in `actual`: its share is floored at 1e-4. (1−0.5)·ln(1/0.5) + (1e-4−0.5)·ln(1e-4/0.5) = 4.6043185.
        let psi = try #require(TrafficProfile.psi(actual: ["a": 10], expected: ["a": 5, "b": 5]))
        #expect(psi.isFinite && abs(psi - 4.6043185) < 1e-6, "\(psi)")
        let histogram = try #require(TrafficProfile.psi(actual: [0, 0, 0, 0, 0, 0, 0, 0, 0, 9], expected: [1, 0, 0, 0, 0, 0, 0, 0, 4, 5]))
        #expect(histogram.isFinite && histogram > 0)
        #expect(TrafficProfile.psi(actual: [:], expected: ["a": 1]) == nil, "no actual data: no PSI")
    }

    @Test func bucketsAndBins() {
        #expect(TrafficProfile.confidenceBin(0) == 0 && TrafficProfile.confidenceBin(0.0999) == 0 && TrafficProfile.confidenceBin(0.1) == 1)
        #expect(TrafficProfile.confidenceBin(0.95) == 9 && TrafficProfile.confidenceBin(1) == 9 && TrafficProfile.confidenceBin(-1) == 0)
        #expect([0, 199, 200, 499, 500, 999, 1000, 1999, 2000, 50_000].map(TrafficProfile.lengthBucket)
                == ["<200", "<200", "200-499", "200-499", "500-999", "500-999", "1000-1999", "1000-1999", ">=2000", ">=2000"])
    }

    @Test func addCountsLabelsConfidencesLanguagesAndLengths() throws {
        var p = TrafficProfile()
        p.add(labels: ["intent": "pay"], confidences: ["intent": 0.9], language: "de", modelText: String(repeating: "x", count: 250))
        p.add(labels: ["intent": "pay"], confidences: ["intent": 0.5], language: nil, modelText: "short")
        p.add(labels: ["intent": "close"], confidences: ["intent": 0.7], language: "", modelText: "ü")
        let h = try #require(p.heads["intent"])
        #expect(p.count == 3 && h.labels == ["pay": 2, "close": 1])
        #expect(h.confidenceHistogram == [0, 0, 0, 0, 0, 1, 0, 1, 0, 1] && abs(h.meanConfidence - 0.7) < 1e-12)
        #expect(p.languages == ["de": 1, "none": 2] && p.lengths == ["200-499": 1, "<200": 2])
        let decoded = try JSONDecoder().decode(TrafficProfile.self, from: JSONEncoder().encode(p))
        #expect(decoded == p)
        #expect(p.drift(against: p)["intent"].map { $0.labels == 0 && $0.confidence == 0 } == true)
    }

    @Test func cappedSharesSumTheRestAsOther() {
        let counts = Dictionary(uniqueKeysWithValues: (0..<60).map { ("l\($0)", $0 + 1) })
        let shares = TrafficProfile.cappedShares(counts, limit: 50)
        #expect(shares.count == 50 && shares["other"] != nil && shares["l59"] != nil && shares["l0"] == nil)
        #expect(abs(shares.values.reduce(0, +) - 1) < 1e-12)
        #expect(TrafficProfile.cappedShares(["a": 1, "b": 3], limit: 50) == ["a": 0.25, "b": 0.75])
    }

    @Test func retrainStatusCountsRunsAndFailures() throws {
        let t0 = Date(timeIntervalSince1970: 1_000), t1 = Date(timeIntervalSince1970: 2_000)
        let running = RetrainStatus().started(candidate: "c1", at: t0)
        #expect(running.outcome == .running && running.runs == 1 && running.finishedAt == nil)
        let ok = running.finished(error: nil, at: t1)
        #expect(ok.outcome == .ok && ok.lastSuccessAt == 2_000 && ok.failures == 0)
        let failed = ok.started(candidate: "c2", at: t1).finished(error: "no champion", at: t1)
        #expect(failed.outcome == .failed && failed.error == "no champion" && failed.runs == 2 && failed.failures == 1)
        #expect(failed.lastSuccessAt == 2_000, "a failure keeps the last success")
        let dir = NSTemporaryDirectory() + "mailroom-status-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try RetrainStatus.read(registry: dir) == RetrainStatus(), "no file yet: an empty status")
        try failed.write(registry: dir)
        #expect(try RetrainStatus.read(registry: dir) == failed)
    }
}
