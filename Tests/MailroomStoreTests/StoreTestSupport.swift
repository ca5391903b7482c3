// StoreTestSupport: temp database folders and sample predictions/outcomes for the store tests.
import Foundation
import MailroomCore
import MailroomTestSupport
import Testing
@testable import MailroomStore

/// A fresh folder per test, removed when released.
final class TempFolder: Sendable {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "mailroom-store-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
    var database: String { path + "/feedback.sqlite" }
}

/// A routed prediction for `id` by `version` with the given head labels (confidence 0.9).
func routed(_ id: String, version: String = "v1", heads: [String: String], queue: String = "payments",
            text: String = "body text") -> (CleanedEmail, Assignment) {
    let email = CleanedEmail(id: id, subject: "Subject \(id)", text: text, language: "en")
    let prediction = Prediction(id: id, modelVersion: version,
                                heads: heads.mapValues { HeadPrediction(label: $0, confidence: 0.9) })
    return (email, Assignment(id: id, assignedQueue: queue, needsReview: false, lowConfidenceHeads: [],
                              prediction: prediction))
}

/// The databases the store tests run on: SQLite always, PostgreSQL when its server can be started here
/// (``PostgresServer``; Scripts/test installs it and requires it).
enum StoreBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var enabled: [StoreBackend] { PostgresServer.enabled ? allCases : [.sqlite] }

    var testDescription: String { rawValue }

    /// A new, empty store's location: a file in `folder`, or a fresh database on the shared server.
    func location(_ folder: TempFolder) throws -> String {
        switch self {
        case .sqlite: return folder.database
        case .postgres: return try PostgresServer.shared.get().newDatabase()
        }
    }
}
