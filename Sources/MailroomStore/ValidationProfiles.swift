// ValidationProfiles: each registered version's validation profile (`versions/<v>/model/validation/profile.json`,
// written by `mailroom train`), what live traffic is compared with.
import Foundation
import MailroomCore
import MailroomRegistry

public struct ValidationProfiles {
    private let registry: ModelRegistry?

    /// - Parameter registry: the model registry directory; nil or missing: no version has a profile (the directory
    ///   is never created here, so a mistyped path does not leave an empty registry behind).
    public init(registry: String?) throws {
        guard let registry, FileManager.default.fileExists(atPath: registry) else { self.registry = nil; return }
        self.registry = try ModelRegistry(directory: registry)
    }

    /// The validation profile of `version`; nil when the registry lacks the version or the version predates profiles.
    /// - Throws: ``TrafficProfileError/unreadable(path:reason:)`` when the file exists but cannot be read.
    public func profile(of version: String) throws -> TrafficProfile? {
        guard let registry else { return nil }
        let path = (registry.modelDirectory(of: version) as NSString).appendingPathComponent(TrafficProfile.validationPath)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try TrafficProfile.read(from: path)
    }

    /// The profiles of those `versions` that have one; an unreadable one goes to `unreadable` (which may rethrow).
    public func profiles(of versions: some Sequence<String>,
                         unreadable: (any Error) throws -> Void) rethrows -> [String: TrafficProfile] {
        var found: [String: TrafficProfile] = [:]
        for v in Set(versions) {
            do { if let p = try profile(of: v) { found[v] = p } } catch { try unreadable(error) }
        }
        return found
    }
}
