// PrivateFilesTests: Mailroom's folders are its user's only, and a shared folder it is pointed into is left alone.
import Foundation
import MailroomCore
import Testing

@Suite struct PrivateFilesTests {
    func mode(_ path: String) throws -> Int {
        ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func newAndOwnFoldersAreNarrowedButASharedOneIsLeftAsItIs() throws {
        let root = NSTemporaryDirectory() + "mr-private-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: root) }
        try PrivateFiles.makeDirectory(root + "/journal")
        #expect(try mode(root + "/journal") == 0o700)
        let own = root + "/own"
        try FileManager.default.createDirectory(atPath: own, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try PrivateFiles.makeDirectory(own)
        #expect(try mode(own) == 0o700, "a folder of its own is narrowed")
        // A shared temporary folder (sticky, everyone may write), as /tmp and /var/tmp are.
        let shared = root + "/shared"
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        #expect(chmod(shared, 0o1777) == 0)
        try PrivateFiles.makeDirectory(shared)
        #expect(try mode(shared) == 0o1777, "a shared folder keeps its mode")
    }
}
