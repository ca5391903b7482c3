// swift-tools-version: 6.0
// Mailroom: an event-driven email-triage pipeline (ZeroMQ stages, Swift transformer inference).
import PackageDescription

/// Settings shared by every target: Swift 6 language mode with strict concurrency.
let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]
/// Optimise the numeric libraries even in debug builds, so tests on real shapes stay quick. `-O`, not `-Ounchecked`:
/// preconditions (sizes before BLAS calls, buffer layouts) and overflow checks stay on; a hot loop that measurably
/// pays for bounds checks uses unsafe buffer pointers locally, with a comment, after checking its sizes.
let numericSettings: [SwiftSetting] = settings + [
    .unsafeFlags(["-O"]),
]

let package = Package(
    name: "Mailroom",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "gateway", targets: ["Gateway"]),
        .executable(name: "cleaner", targets: ["Cleaner"]),
        .executable(name: "classifier", targets: ["Classifier"]),
        .executable(name: "router", targets: ["Router"]),
        .executable(name: "feedback-collector", targets: ["FeedbackCollector"]),
        .executable(name: "mailroom", targets: ["Mailroom"]),
    ] + [
        // Libraries the Benchmarks package (Benchmarks/Package.swift, a path dependency) links.
        "MailroomCore", "MailroomCleaner", "MailroomCleanerFixtures", "MailroomEvaluation", "MailroomLinear",
        "MailroomSampleData", "MailroomStore", "MailroomTransformer", "MailroomTransport", "MailroomRetraining",
        "MailroomRegistry", "MailroomTraining", "MailroomModels",
    ].map { .library(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        // System libraries from Debian (libzmq3-dev, libopenblas-dev, libsqlite3-dev).
        .systemLibrary(name: "CZeroMQ"),
        .systemLibrary(name: "COpenBLAS"),
        .systemLibrary(name: "CSQLite"),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // Mailroom's own int8/bf16 GEMM kernels (intrinsics per function target, dispatched on cpuid at run time).
        .target(name: "CMailroomKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // Libraries: all logic lives here.
        .target(name: "MailroomCore", swiftSettings: settings),
        .target(name: "MailroomTransport",
                dependencies: ["CZeroMQ", "MailroomCore", .product(name: "Logging", package: "swift-log")],
                swiftSettings: settings),
        .target(name: "MailroomStore", dependencies: ["CSQLite", "CLibPQ", "MailroomCore", "MailroomRegistry"], swiftSettings: settings),
        .target(name: "MailroomCleaner", dependencies: ["MailroomCore"], swiftSettings: settings),
        // How the cleaner is measured: the peers' fixture cases with each peer's conventions, and fuzz inputs
        // (tests and Benchmarks/bench-cleaner; no executable links it).
        .target(name: "MailroomCleanerFixtures", dependencies: ["MailroomCleaner", "MailroomCore"],
                swiftSettings: settings),
        .target(name: "MailroomEvaluation", dependencies: ["MailroomCore"], swiftSettings: settings),
        .target(name: "MailroomLinear", dependencies: ["MailroomCore"], swiftSettings: numericSettings),
        .target(name: "MailroomSampleData", dependencies: ["MailroomCore"], swiftSettings: settings),
        .target(name: "MailroomTokenizer", swiftSettings: numericSettings),
        .target(name: "MailroomTransformer",
                dependencies: ["COpenBLAS", "CMailroomKernels", "MailroomCore", "MailroomEvaluation", "MailroomTokenizer"],
                swiftSettings: numericSettings),
        .target(name: "MailroomModels",
                dependencies: ["MailroomCore", "MailroomLinear", "MailroomTransformer"],
                swiftSettings: settings),
        .target(name: "MailroomRegistry", dependencies: ["MailroomCore"], swiftSettings: settings),
        // Training orchestration (dataset → cleaned rows → trainer → model directory, provenance, validation
        // report) and `mailroom clean`'s annotation: only the CLI links it.
        // `mailroom retrain`: the next model from history plus closed cases, trained with the champion's recipe and
        // compared with it on the most recent closed cases (only the CLI links it).
        .target(name: "MailroomRetraining",
                dependencies: ["MailroomCore", "MailroomStore", "MailroomTraining", "MailroomEvaluation", "MailroomRegistry",
                               "MailroomModels", "MailroomCleaner"],
                swiftSettings: settings),
        .target(name: "MailroomTraining",
                dependencies: ["MailroomCore", "MailroomCleaner", "MailroomEvaluation", "MailroomLinear", "MailroomModels",
                               "MailroomRegistry", "MailroomTransformer"],
                swiftSettings: settings),

        // The stage runtime every process uses: flags, logging, one ServiceGroup with graceful shutdown, the
        // ZeroMQ input/outputs of a stage, heartbeats on their own task, its /metrics and probe listener.
        .target(name: "MailroomRuntime",
                dependencies: [
                    "MailroomCore", "MailroomTransport", .product(name: "Logging", package: "swift-log"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                    .product(name: "Hummingbird", package: "hummingbird"),
                ],
                swiftSettings: settings),
        // One library per stage: each process links only what its stage needs (only the classifier links a model).
        .target(name: "MailroomCleanerStage", dependencies: ["MailroomRuntime", "MailroomCleaner"], swiftSettings: settings),
        .target(name: "MailroomClassifierStage",
                dependencies: ["MailroomRuntime", "MailroomModels", "MailroomRegistry", "MailroomTransformer"], swiftSettings: settings),
        .target(name: "MailroomRouterStage", dependencies: ["MailroomRuntime", "MailroomStore"], swiftSettings: settings),
        .target(name: "MailroomFeedbackStage",
                dependencies: ["MailroomRuntime", "MailroomStore", .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: settings),
        .target(name: "MailroomGateway",
                dependencies: [
                    "MailroomRuntime", "MailroomStore", .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdCore", package: "hummingbird"),
                    .product(name: "Logging", package: "swift-log"),
                    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                ],
                swiftSettings: settings),
        .target(name: "MailroomTopology",
                dependencies: ["MailroomCore", .product(name: "Logging", package: "swift-log"),
                               .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
                swiftSettings: settings),

        // Executables: only `@main`, configuration and wiring.
        .executableTarget(name: "Gateway", dependencies: ["MailroomGateway", "MailroomRuntime"], swiftSettings: settings),
        .executableTarget(name: "Cleaner", dependencies: ["MailroomCleanerStage", "MailroomRuntime"], swiftSettings: settings),
        .executableTarget(name: "Classifier",
                          dependencies: ["MailroomClassifierStage", "MailroomRuntime", "MailroomTransformer"], swiftSettings: settings),
        .executableTarget(name: "Router", dependencies: ["MailroomRouterStage", "MailroomRuntime", "MailroomTransport"], swiftSettings: settings),
        .executableTarget(name: "FeedbackCollector", dependencies: ["MailroomFeedbackStage", "MailroomRuntime"], swiftSettings: settings),
        .executableTarget(name: "Mailroom",
                          dependencies: [
                              "MailroomTraining", "MailroomTopology", "MailroomSampleData", "MailroomModels",
                              "MailroomEvaluation", "MailroomCleaner", "MailroomStore", "MailroomTransformer",
                              "MailroomLinear", "MailroomCore", "MailroomRegistry", "MailroomRuntime", "MailroomTransport",
                              "MailroomRetraining",
                              .product(name: "Logging", package: "swift-log"),
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                          ],
                          swiftSettings: settings),

        // Tests (Swift Testing). MailroomTestSupport: where tests find fixtures and ../shared.
        .target(name: "MailroomTestSupport", path: "Tests/MailroomTestSupport", swiftSettings: settings),
        .testTarget(name: "MailroomCoreTests", dependencies: ["MailroomCore"], swiftSettings: settings),
        .testTarget(name: "MailroomTransportTests", dependencies: ["MailroomTransport"], swiftSettings: settings),
        .testTarget(name: "MailroomStoreTests", dependencies: ["MailroomStore", "MailroomTestSupport"], swiftSettings: settings),
        .testTarget(name: "MailroomCleanerTests",
                    dependencies: ["MailroomCleaner", "MailroomCleanerFixtures", "MailroomTestSupport"], swiftSettings: settings),
        .testTarget(name: "MailroomLinearTests",
                    dependencies: ["MailroomLinear", "MailroomEvaluation", "MailroomSampleData"],
                    swiftSettings: settings),
        .testTarget(name: "MailroomEvaluationTests", dependencies: ["MailroomEvaluation", "MailroomSampleData"],
                    swiftSettings: settings),
        .testTarget(name: "MailroomSampleDataTests", dependencies: ["MailroomSampleData"], swiftSettings: settings),
        .testTarget(name: "MailroomTokenizerTests", dependencies: ["MailroomTokenizer", "MailroomTestSupport"], swiftSettings: settings),
        .testTarget(name: "MailroomTransformerTests", dependencies: ["MailroomTransformer", "MailroomTestSupport"], swiftSettings: settings),
        .testTarget(name: "MailroomRetrainingTests",
                    dependencies: ["MailroomRetraining", "MailroomStore", "MailroomCore", "MailroomSampleData", "MailroomTraining",
                                   "MailroomRegistry", "MailroomModels", "MailroomEvaluation"],
                    swiftSettings: settings),
        .testTarget(name: "MailroomRuntimeTests",
                    dependencies: ["MailroomRuntime", "MailroomTransport", .product(name: "Hummingbird", package: "hummingbird"),
                                   .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: settings),
        .testTarget(name: "MailroomGatewayTests",
                    dependencies: ["MailroomGateway", "MailroomStore", .product(name: "HummingbirdTesting", package: "hummingbird"),
                                   "MailroomTestSupport"],
                    swiftSettings: settings),
        .testTarget(name: "MailroomRouterStageTests", dependencies: ["MailroomRouterStage", "MailroomFeedbackStage", "MailroomStore", "MailroomTestSupport"],
                    swiftSettings: settings),
        .testTarget(name: "MailroomTrainingTests",
                    dependencies: ["MailroomTraining", "MailroomLinear", "MailroomSampleData", "MailroomRegistry", "MailroomModels", "MailroomTestSupport"],
                    swiftSettings: settings),
        .testTarget(name: "MailroomFeedbackStageTests",
                    dependencies: ["MailroomFeedbackStage", "MailroomStore", "MailroomCore",
                                   .product(name: "HummingbirdTesting", package: "hummingbird")],
                    swiftSettings: settings),
        .testTarget(name: "MailroomRegistryTests", dependencies: ["MailroomRegistry"], swiftSettings: settings),
        .testTarget(name: "MailroomTopologyTests",
                    dependencies: ["MailroomTopology", "MailroomTestSupport",
                                   .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")], swiftSettings: settings),
        .testTarget(name: "IntegrationTests", dependencies: ["MailroomCore", "MailroomTopology", "MailroomTransport", "MailroomStore", "MailroomTestSupport"],
                    swiftSettings: settings),
    ]
)
