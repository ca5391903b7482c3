// RegistryTests: registration with provenance and metrics, the approval rules, promote and rollback.
import Foundation
import MailroomRegistry
import Testing

@Suite struct RegistryTests {
    /// A minimal model directory: the manifest, provenance and a validation report.
    func fakeModel(_ root: String, version: String) throws -> String {
        let dir = (root as NSString).appendingPathComponent("m-\(version)")
        try FileManager.default.createDirectory(atPath: dir + "/validation", withIntermediateDirectories: true)
        try #"{"mailroom":{"kind":"linear","version":"\#(version)","heads":[{"name":"queue","labels":["A","B"]}]}}"#
            .write(toFile: dir + "/config.json", atomically: true, encoding: .utf8)
        try #"{"heads":[{"name":"queue","metrics":{"accuracy":0.9,"macro":{"f1":0.85},"weighted":{"f1":0.88}}}]}"#
            .write(toFile: dir + "/validation/metrics.json", atomically: true, encoding: .utf8)
        let t = TrainingRecord(kind: "linear", dataPath: "d.jsonl", dataSHA256: "ab", dataRows: 10, trainRows: 8, validationRows: 2,
                               encoder: nil, parameters: ["epochs": "3"], startedAt: "t0", finishedAt: "t1")
        try JSONEncoder().encode(t).write(to: URL(fileURLWithPath: dir + "/training.json"))
        return dir
    }

    func tempRoot() throws -> String {
        let d = NSTemporaryDirectory() + "registry-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func registerRecordsProvenanceAndMetrics() throws {
        let root = try tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try ModelRegistry(directory: root + "/reg")
        let r = try registry.register(modelDirectory: try fakeModel(root, version: "v1"), by: "ci")
        #expect(r.status == .pending)
        #expect(r.metrics["queue"] == HeadFigures(accuracy: 0.9, macroF1: 0.85, weightedF1: 0.88))
        #expect(r.training?.dataRows == 10)
        #expect(FileManager.default.fileExists(atPath: registry.modelDirectory(of: "v1") + "/config.json"))
        #expect(throws: RegistryError.alreadyRegistered("v1")) { try registry.register(modelDirectory: try fakeModel(root, version: "v1")) }
    }

    @Test func onlyApprovedVersionsArePromotedAndRollbackReturns() throws {
        let root = try tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try ModelRegistry(directory: root + "/reg")
        for v in ["v1", "v2", "v3"] { try registry.register(modelDirectory: try fakeModel(root, version: v)) }
        #expect(throws: RegistryError.notApproved("v1", status: .pending)) { try registry.promote("v1", by: "ann") }
        _ = try registry.approve("v1", by: "ann", reason: "beats v0")
        _ = try registry.approve("v2", by: "ann", reason: nil)
        _ = try registry.reject("v3", by: "bob", reason: "worse on topic")
        #expect(throws: RegistryError.alreadyDecided("v3", status: .rejected)) { try registry.approve("v3", by: "ann", reason: nil) }
        #expect(throws: RegistryError.notApproved("v3", status: .rejected)) { try registry.promote("v3", by: "ann") }
        #expect(throws: RegistryError.missingName("approve")) { try registry.approve("v2", by: "", reason: nil) }
        #expect(try registry.promote("v1", by: "ann").current == "v1")
        #expect(try registry.promote("v2", by: "ann").current == "v2")
        #expect(try registry.rollback(by: "ann", reason: "complaints").current == "v1")
        #expect(throws: RegistryError.nothingToRollBack) { try registry.rollback(by: "ann", reason: nil) }
        let v3 = try registry.record("v3")
        #expect(v3.decisions.map(\.action) == ["register", "reject"])
        #expect(v3.decisions.last?.by == "bob" && v3.decisions.last?.reason == "worse on topic")
        #expect(try registry.list().map(\.version).sorted() == ["v1", "v2", "v3"])
    }

    @Test func unknownVersionListsKnownOnes() throws {
        let root = try tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let registry = try ModelRegistry(directory: root + "/reg")
        try registry.register(modelDirectory: try fakeModel(root, version: "v1"))
        #expect(throws: RegistryError.unknownVersion("v9", known: ["v1"])) { try registry.record("v9") }
    }
}
