// RepositoryPaths: where tests find the repository's files (Tests/Fixtures, Config, Topology) and the read-only
// benchmark data beside the repository (../shared), wherever the checkout lives.
import Foundation

public enum RepositoryPaths {
    /// The repository root: two levels above this file (Tests/MailroomTestSupport/).
    public static let root: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A path under the repository root, e.g. `file("Config/router.rules")`.
    public static func file(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// A folder or file under Tests/Fixtures, e.g. `fixtures("transformer")`.
    public static func fixtures(_ relative: String) -> String { file("Tests/Fixtures/" + relative) }

    /// A path under ../shared (datasets, email fixtures), e.g. `shared("email-fixtures/cases.jsonl")`.
    public static func shared(_ relative: String) -> String {
        root.deletingLastPathComponent().appendingPathComponent("shared/" + relative).path
    }
}
