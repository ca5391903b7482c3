// SiblingJournals: the other gateway replicas' intake journals, read-only. Replica N journals to
// `gateway-N.sqlite` in the topology's journal_dir; a status request that reaches a replica which did not take the
// email is answered from the replica that did, and an id another replica holds with different content is 409.
import Foundation
import MailroomStore

/// Not `Sendable`: the dispatcher actor owns it, like its own journal.
final class SiblingJournals {
    private let folder: String
    private let ownName: String
    /// `gateway-` for `gateway-0.sqlite`: siblings are `<prefix><digits>.sqlite`.
    private let prefix: String
    private var journals: [(name: String, journal: IntakeJournal)] = []
    private var lastScan = -Double.infinity
    /// Seconds between looks at the folder for replicas that appeared since.
    static let rescanSeconds = 5.0

    /// nil when the journal's name has no `-<replica>` part (then it has no siblings by convention).
    init?(ownPath: String) {
        let name = (ownPath as NSString).lastPathComponent
        guard let dash = name.lastIndex(of: "-"), name.hasSuffix(".sqlite") else { return nil }
        folder = (ownPath as NSString).deletingLastPathComponent
        ownName = name
        prefix = String(name[...dash])
    }

    /// The entry a sibling holds for `id`, or nil. A sibling that cannot be read (being created, removed) is skipped.
    func entry(_ id: String, now: Double) -> IntakeEntry? {
        if now - lastScan >= Self.rescanSeconds { rescan(); lastScan = now }
        for sibling in journals {
            if let entry = try? sibling.journal.entry(id) { return entry }
        }
        return nil
    }

    private func rescan() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? []
        let siblings = names.filter { name in
            guard name != ownName, name.hasPrefix(prefix), name.hasSuffix(".sqlite") else { return false }
            let middle = name.dropFirst(prefix.count).dropLast(".sqlite".count)
            return !middle.isEmpty && middle.allSatisfy(\.isASCII) && middle.allSatisfy(\.isNumber)
        }.sorted()
        journals.removeAll { !siblings.contains($0.name) }
        for name in siblings where !journals.contains(where: { $0.name == name }) {
            let path = (folder as NSString).appendingPathComponent(name)
            if let journal = try? IntakeJournal(readingFrom: path) { journals.append((name, journal)) }
        }
    }
}
