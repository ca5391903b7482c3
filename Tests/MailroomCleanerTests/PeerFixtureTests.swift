// Runs every case of ../shared/email-fixtures (eight peers' reply/signature/forward suites) through the cleaner.
import Foundation
import Testing
@testable import MailroomCleaner

/// The shared fixtures: repo root is three levels above this file, then ../shared.
private let casesURL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/email-fixtures/cases.jsonl")

/// Pass counts each source must keep (cases passed when this floor was set; the goal is every case a peer
/// passes on its own suite, i.e. all of them; see BENCHMARKS.md "Email cleaner" for the gap).
private let floors: [String: Int] = [
    "alfonsrv/mail-parser-reply": 23,
    "closeio/quotequail": 41,
    "crisp-oss/email-forward-parser": 197,
    "crisp-oss/email-reply-parser": 71,
    "github/email_reply_parser": 18,
    "mailgun/talon": 117,
    "willdurand/EmailReplyParser": 60,
    "zapier/email-reply-parser": 15,
]

@Test func everyPeerCaseRunsAndPassCountsHoldPerSource() throws {
    let cases = try PeerFixtureCase.load(casesURL)
    #expect(cases.count == 584)
    var passed: [String: Int] = [:]
    var total: [String: Int] = [:]
    for c in cases {
        total[c.source, default: 0] += 1
        if PeerFixtureEvaluator.evaluate(c).passed { passed[c.source, default: 0] += 1 }
    }
    #expect(Set(total.keys) == Set(floors.keys))
    for (source, floor) in floors {
        let got = passed[source, default: 0]
        #expect(got >= floor, "\(source): \(got)/\(total[source, default: 0]) passed, floor \(floor)")
    }
}

@Test func everyGermanCasePasses() throws {
    let german = try PeerFixtureCase.load(casesURL).filter { $0.language == "de" }
    #expect(german.count == 19)
    for c in german {
        let outcome = PeerFixtureEvaluator.evaluate(c)
        #expect(outcome.passed, "\(c.source) \(c.case): \(outcome.failure ?? "")")
    }
}
