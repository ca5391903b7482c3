// Runs every case of ../shared/email-fixtures (eight peers' reply/signature/forward suites) through the cleaner.
import Foundation
import MailroomTestSupport
import Testing
@testable import MailroomCleaner
@testable import MailroomCleanerFixtures

/// The shared fixtures (../shared/email-fixtures beside the repository).
private let casesURL = URL(fileURLWithPath: RepositoryPaths.shared("email-fixtures/cases.jsonl"))

/// Pass counts each source must keep: every case, as each peer passes its own whole suite (see the fixtures
/// README and BENCHMARKS.md "Email cleaner").
private let floors: [String: Int] = [
    "alfonsrv/mail-parser-reply": 29,
    "closeio/quotequail": 52,
    "crisp-oss/email-forward-parser": 201,
    "crisp-oss/email-reply-parser": 74,
    "github/email_reply_parser": 21,
    "mailgun/talon": 124,
    "willdurand/EmailReplyParser": 65,
    "zapier/email-reply-parser": 18,
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
