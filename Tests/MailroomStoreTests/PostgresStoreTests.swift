// PostgresStoreTests: what only the PostgreSQL backend has: versioned migrations in mailroom_schema (run once, a
// newer server refused), a connection error that names the server but not its password, and `?` numbering. The
// store's behaviour on both backends is in the other store tests (arguments: StoreBackend.enabled).
import Foundation
import MailroomTestSupport
@testable import MailroomStore
import Testing

@Suite(.enabled(if: PostgresServer.enabled)) struct PostgresStoreTests {
    @Test func migrationsAreVersionedRunOnceAndANewerSchemaIsRefused() throws {
        let url = try PostgresServer.shared.get().newDatabase()
        let store = try FeedbackStore(path: url)
        let (email, assignment) = routed("m1", heads: ["intent": "a"])
        try store.record(email: email, assignment: assignment)
        let version = { () throws -> [Int64] in
            try store.database.query("SELECT version FROM mailroom_schema WHERE component = ?", operation: "t")
                .each([.text("feedback")]) { $0.int(at: 0) }
        }
        #expect(try version() == [Int64(FeedbackStore.postgresMigrations.count)])
        // Opening again migrates nothing and keeps what was recorded.
        let again = try FeedbackStore(path: url)
        #expect(try again.counts().predictions == 1 && version() == [Int64(FeedbackStore.postgresMigrations.count)])
        try store.database.execute("UPDATE mailroom_schema SET version = 99", operation: "t")
        #expect {
            _ = try FeedbackStore(path: url)
        } throws: { error in
            "\(error)".contains("version 99, newer than this build's")
        }
    }

    @Test func aServerThatCannotBeReachedIsNamedWithoutItsPassword() throws {
        let port = FreePort.next()
        #expect {
            _ = try FeedbackStore(path: "postgres://mailroom:s3cret-word@127.0.0.1:\(port)/feedback")
        } throws: { error in
            let text = "\(error)"
            return text.contains("127.0.0.1:\(port)") && !text.contains("s3cret-word") && text.contains("check that the server runs")
        }
    }

    @Test func questionMarksBecomeNumberedParametersOutsideQuotes() {
        #expect(PostgresDatabase.numbered("SELECT '?', ? FROM \"a?b\" WHERE x = ?") == "SELECT '?', $1 FROM \"a?b\" WHERE x = $2")
    }
}
