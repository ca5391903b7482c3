// ShadowRegistryTests: at most one candidate in shadow, who may be shadowed, and how promotion, rejection and
// stopping end it; the serving file stays readable by builds that predate the shadow.
import Foundation
import MailroomRegistry
import Testing

@Suite struct ShadowRegistryTests {
    let helper = RegistryTests()

    /// A registry serving `v1` with pending `v2` and `v3`.
    func registry(_ root: String) throws -> ModelRegistry {
        let registry = try ModelRegistry(directory: root + "/reg")
        for v in ["v1", "v2", "v3"] { try registry.register(modelDirectory: try helper.fakeModel(root, version: v), by: "ci") }
        _ = try registry.approve("v1", by: "ci", reason: nil)
        _ = try registry.promote("v1", by: "ci")
        return registry
    }

    @Test func oneShadowAtATimeAndStopEndsIt() throws {
        let root = try helper.tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try registry(root)
        let s = try r.startShadow("v2", sampleRate: 0.25, by: "ana")
        #expect(s.shadow?.version == "v2" && s.shadow?.sampleRate == 0.25 && s.current == "v1")
        #expect(throws: RegistryError.shadowBusy("v2", requested: "v3")) { try r.startShadow("v3", by: "ana") }
        // Asking again for the same version changes its rate and keeps its start time.
        let again = try r.startShadow("v2", sampleRate: 1, by: "ana")
        #expect(again.shadow?.sampleRate == 1 && again.shadow?.since == s.shadow?.since)
        let (stopped, state) = try r.stopShadow(by: "ana")
        #expect(stopped.version == "v2" && state.shadow == nil && r.serving().shadow == nil)
        #expect(throws: RegistryError.noShadow) { try r.stopShadow(by: "ana") }
        #expect(try r.record("v2").decisions.map(\.action) == ["register", "shadow", "shadow", "shadow-stop"])
    }

    @Test func servedRejectedAndUnknownVersionsCannotBeShadowed() throws {
        let root = try helper.tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try registry(root)
        #expect(throws: RegistryError.cannotShadow("v1", reason: "it is the served version")) { try r.startShadow("v1", by: "ana") }
        _ = try r.reject("v3", by: "ana", reason: "worse")
        #expect(throws: RegistryError.cannotShadow("v3", reason: "it was rejected")) { try r.startShadow("v3", by: "ana") }
        #expect(throws: RegistryError.badSampleRate(0)) { try r.startShadow("v2", sampleRate: 0, by: "ana") }
        #expect(throws: RegistryError.badSampleRate(1.5)) { try r.startShadow("v2", sampleRate: 1.5, by: "ana") }
        #expect(throws: (any Error).self) { try r.startShadow("nope", by: "ana") }
    }

    @Test func promotionAndRejectionEndTheShadow() throws {
        let root = try helper.tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try registry(root)
        _ = try r.startShadow("v2", by: "ana")
        _ = try r.approve("v2", by: "ana", reason: nil)
        #expect(r.serving().shadow?.version == "v2", "approval keeps the shadow running")
        let promoted = try r.promote("v2", by: "ana")
        #expect(promoted.current == "v2" && promoted.shadow == nil && promoted.history == ["v1"])
        _ = try r.startShadow("v3", by: "ana")
        _ = try r.reject("v3", by: "ana", reason: "worse on live traffic")
        #expect(r.serving().shadow == nil)
        // Rolling back keeps working as before.
        #expect(try r.rollback(by: "ana", reason: nil).current == "v1")
    }

    @Test func servingFilesWithoutAShadowStillRead() throws {
        let root = try helper.tempRoot(); defer { try? FileManager.default.removeItem(atPath: root) }
        let r = try registry(root)
        try #"{"current":"v1","history":[],"changedAt":"t"}"#.write(toFile: root + "/reg/serving.json", atomically: true, encoding: .utf8)
        #expect(r.serving() == ServingState(current: "v1", history: [], changedAt: "t", shadow: nil))
    }
}
