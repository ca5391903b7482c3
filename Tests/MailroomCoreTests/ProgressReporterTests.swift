// ProgressReporterTests: the rate and ETA a progress line prints, none before one is measured.
@testable import MailroomCore
import Testing

@Suite struct ProgressReporterTests {
    @Test func noRateIsPrintedBeforeOneIsMeasured() {
        // The first step, 0.3 ms after the start: no rate, ETA unknown ("--:--"), not "3333.3 steps/s ETA 00:00".
        let first = ProgressReporter.rateAndETA(done: 1, total: 89, elapsed: 0.0003)
        #expect(first.rate == "–" && ProgressReporter.clock(first.eta) == "--:--")
        #expect(ProgressReporter.rateAndETA(done: 40, total: 89, elapsed: 0.2).rate == "–", "under half a second")
        let later = ProgressReporter.rateAndETA(done: 20, total: 90, elapsed: 10)
        #expect(later.rate == "2.0" && ProgressReporter.clock(later.eta) == "00:35")
    }
}
