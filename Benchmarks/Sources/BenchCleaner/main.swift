// BenchCleaner: the benchmark harness for MailroomCleaner, built and run by Benchmarks/bench-cleaner.
// Usage: BenchCleaner <cases.jsonl> [repetitions] [fuzz inputs]
// Prints pass shares per source / kind / language on the peers' fixtures, the cleaner's throughput, and a
// fuzz run (seeded random + mutated fixture inputs, each cleaned as text and as HTML): count and slowest input.
import Foundation
import MailroomCleaner
import MailroomCleanerFixtures

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: BenchCleaner <cases.jsonl> [repetitions] [fuzz inputs]\n".utf8))
    exit(2)
}
let cases = try PeerFixtureCase.load(URL(fileURLWithPath: arguments[1]))
let repetitions = arguments.count > 2 ? Int(arguments[2]) ?? 20 : 20
let fuzzCount = arguments.count > 3 ? Int(arguments[3]) ?? 20000 : 20000

/// Pass counts grouped by a key.
func table(_ title: String, _ key: (PeerFixtureCase) -> String, _ passed: [Bool]) {
    var groups: [String: (pass: Int, total: Int)] = [:]
    for (c, ok) in zip(cases, passed) {
        var g = groups[key(c)] ?? (0, 0)
        g.total += 1
        if ok { g.pass += 1 }
        groups[key(c)] = g
    }
    print("\n| \(title) | passed | total | share |\n|---|---|---|---|")
    for (k, g) in groups.sorted(by: { $0.value.total == $1.value.total ? $0.key < $1.key : $0.value.total > $1.value.total }) {
        print("| \(k) | \(g.pass) | \(g.total) | \(String(format: "%.1f%%", 100.0 * Double(g.pass) / Double(g.total))) |")
    }
}

let outcomes = cases.map { PeerFixtureEvaluator.evaluate($0) }
let passed = outcomes.map(\.passed)
print("fixture cases: \(passed.filter { $0 }.count)/\(cases.count) passed")
print("\nfailing cases (source, case, first failed expectation):")
for (c, o) in zip(cases, outcomes) where !o.passed {
    print("- \(c.source) \(c.case) [\(c.kind), \(c.language)]: \(o.failure ?? "")")
}
table("source", \.source, passed)
table("kind", \.kind, passed)
table("language", \.language, passed)
table("strength", \.strength, passed)

// Throughput: the full cleaner (forward, quotes, footers, signature) on every input, as text or HTML.
let cleaner = EmailCleaner()
let bytes = cases.reduce(0) { $0 + $1.input.utf8.count }
var sink = 0
for c in cases { sink &+= cleaner.clean(text: c.format == "html" ? nil : c.input, html: c.format == "html" ? c.input : nil).text.count }
/// CPU seconds used by this process (robust to other processes sharing the cores).
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
let cpuStart = cpuSeconds()
let start = ContinuousClock.now
for _ in 0..<repetitions {
    for c in cases {
        let r = cleaner.clean(text: c.format == "html" ? nil : c.input, html: c.format == "html" ? c.input : nil)
        sink &+= r.text.utf8.count
    }
}
let seconds = (ContinuousClock.now - start) / .seconds(1)
let cpu = cpuSeconds() - cpuStart
let emails = Double(repetitions * cases.count)
print("\ncleaner: \(Int(emails)) emails (\(repetitions) x \(cases.count), \(bytes) bytes per pass) in "
      + String(format: "%.3f s wall: %.0f emails/s, %.1f MB/s; %.3f s CPU: %.0f emails/s (sink %d)", seconds,
               emails / seconds, Double(bytes * repetitions) / seconds / 1e6, cpu, emails / cpu, sink % 10))
print("CLEANER_EMAILS_PER_S=\(String(format: "%.1f", emails / seconds))")
print("CLEANER_EMAILS_PER_CPU_S=\(String(format: "%.1f", emails / cpu))")

// Fuzz: half random inputs, half mutated fixture inputs; a crash ends the process, so finishing means none.
var rng = CleanerFuzzRandom(state: 0x6675_7A7A_636C_6E72)
var slowest = 0.0
var slowestBytes = 0
var grew = 0
let fuzzStart = ContinuousClock.now
for k in 0..<fuzzCount {
    let input = k % 2 == 0 ? fuzzRandomInput(&rng) : fuzzMutate(cases[k % cases.count].input, &rng)
    let t0 = ContinuousClock.now
    let a = cleaner.clean(text: input, html: nil)
    let b = cleaner.clean(text: nil, html: input)
    let t = (ContinuousClock.now - t0) / .seconds(1)
    if t > slowest { slowest = t; slowestBytes = input.utf8.count }
    if a.text.count > input.count || b.text.count > input.count { grew += 1 }
}
let fuzzSeconds = (ContinuousClock.now - fuzzStart) / .seconds(1)
print(String(format: "fuzz: %d inputs (x2: as text and as HTML) in %.2f s, 0 crashes, %d outputs longer than input, "
             + "slowest input %.2f ms (%d bytes)", fuzzCount, fuzzSeconds, grew, slowest * 1000, slowestBytes))
