// swift-tools-version: 6.0
// Mailroom's benchmark executables: one per measured part, each linking the product's own libraries from the
// package one folder up (a path dependency, built with that package's settings). The shell drivers beside this
// file build them in release and run them next to their peers; see README.md.
import PackageDescription

/// The same settings as the product's targets: Swift 6 language mode with strict concurrency.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// A product of the Mailroom package (its library targets are exported one product each).
func mailroom(_ name: String) -> Target.Dependency { .product(name: name, package: "Mailroom") }

let package = Package(
    name: "MailroomBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Mailroom", path: ".."),
        // Already a dependency of Mailroom (same constraint); named here because BenchTransport logs.
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(name: "BenchCleaner",
                          dependencies: [mailroom("MailroomCleaner"), mailroom("MailroomCleanerFixtures")],
                          swiftSettings: settings),
        .executableTarget(name: "BenchInference", dependencies: [mailroom("MailroomTransformer")],
                          swiftSettings: settings),
        .executableTarget(name: "BenchLinear",
                          dependencies: [mailroom("MailroomCore"), mailroom("MailroomEvaluation"),
                                         mailroom("MailroomLinear"), mailroom("MailroomSampleData")],
                          swiftSettings: settings),
        .executableTarget(name: "BenchPrecision",
                          dependencies: [mailroom("MailroomCore"), mailroom("MailroomEvaluation"), mailroom("MailroomTransformer")],
                          swiftSettings: settings),
        .executableTarget(name: "BenchRetrain",
                          dependencies: [mailroom("MailroomCore"), mailroom("MailroomCleaner"), mailroom("MailroomEvaluation"),
                                         mailroom("MailroomModels"), mailroom("MailroomRegistry"), mailroom("MailroomRetraining"),
                                         mailroom("MailroomSampleData"), mailroom("MailroomStore"), mailroom("MailroomTraining")],
                          swiftSettings: settings),
        .executableTarget(name: "BenchTraining",
                          dependencies: [mailroom("MailroomCore"), mailroom("MailroomTransformer")],
                          swiftSettings: settings),
        .executableTarget(name: "BenchTransport",
                          dependencies: [mailroom("MailroomCore"), mailroom("MailroomStore"),
                                         mailroom("MailroomTransport"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: settings),
    ]
)
