// Fuzz smoke test: seeded random and mutated fixture inputs must not crash, blow up in time, or grow.
import Foundation
import MailroomTestSupport
import Testing
@testable import MailroomCleaner
@testable import MailroomCleanerFixtures

/// Cleans one input as text and as HTML and checks the time budget and that nothing grows.
private func check(_ input: String, cleaner: EmailCleaner, worst: inout Double) {
    let start = ContinuousClock.now
    let asText = cleaner.clean(text: input, html: nil)
    let asHTML = cleaner.clean(text: nil, html: input)
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    worst = max(worst, seconds)
    #expect(seconds < 0.5, "input of \(input.utf8.count) bytes took \(seconds) s")
    #expect(asText.text.count <= input.count)
    #expect(asHTML.text.count <= input.count)
}

@Test func fuzzRandomAndMutatedInputsStayBoundedAndNeverGrow() throws {
    let cleaner = EmailCleaner()
    var rng = CleanerFuzzRandom(state: 0x6D61_696C_726F_6F6D)
    var worst = 0.0
    for _ in 0..<1500 { check(fuzzRandomInput(&rng), cleaner: cleaner, worst: &worst) }
    let fixtures = URL(fileURLWithPath: RepositoryPaths.shared("email-fixtures/cases.jsonl"))
    let inputs = try PeerFixtureCase.load(fixtures).map(\.input)
    for k in 0..<1500 { check(fuzzMutate(inputs[k % inputs.count], &rng), cleaner: cleaner, worst: &worst) }
    #expect(worst < 0.5)
}

/// Seconds to clean `input` as text and as HTML.
private func seconds(_ input: String, _ cleaner: EmailCleaner) -> Double {
    let start = ContinuousClock.now
    _ = cleaner.clean(text: input, html: nil)
    _ = cleaner.clean(text: nil, html: input)
    return (ContinuousClock.now - start) / .seconds(1)
}

/// Repetitive inputs that make backtracking or nested scans blow up: time must grow about linearly
/// (4x the input may take at most 11x the time, best of three runs, since tests run in parallel on a busy
/// machine; a quadratic scan would take 16x).
@Test func pathologicalInputsScaleLinearly() {
    let cleaner = EmailCleaner()
    let units = [">", "-", "On a wrote ", "<div>", "> a\n", "From: a\n", "&", "\n", "x", "<b", "Am 1.2.2024 schrieb\n"]
    for unit in units {
        let n = 24_000 / unit.utf8.count
        let small = (0..<3).map { _ in seconds(String(repeating: unit, count: n), cleaner) }.min() ?? 0
        let large = (0..<3).map { _ in seconds(String(repeating: unit, count: 4 * n), cleaner) }.min() ?? 0
        #expect(large < 11 * small + 0.1, "\(unit.debugDescription): \(small) s -> \(large) s")
    }
}
