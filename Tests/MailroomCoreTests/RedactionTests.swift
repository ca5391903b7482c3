// RedactionTests: a server URL's password never reaches a log line, an error or a manifest.
import MailroomCore
import Testing

@Suite struct RedactionTests {
    @Test func passwordsInURLsAreReplacedAndTheRestKept() {
        #expect(Redaction.urlPasswords("--database postgres://mailroom:s3cr%40t@db.example:5432/feedback --replica 0")
                == "--database postgres://mailroom:…@db.example:5432/feedback --replica 0")
        #expect(Redaction.urlPasswords("a postgresql://u:p@h/d and b redis://x:y@z") == "a postgresql://u:…@h/d and b redis://x:…@z")
        for unchanged in ["postgres://mailroom@db/feedback", ".mailroom/feedback.sqlite", "tcp://classifier-0.classifier:5551",
                          "http://127.0.0.1:8080/v1/emails"] {
            #expect(Redaction.urlPasswords(unchanged) == unchanged)
        }
    }
}
