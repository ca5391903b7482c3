// TestSupport: shared helpers for the linear-model tests (temp dirs, quick options, a small trained model).
import Foundation
import MailroomCore
import MailroomLinear
import MailroomSampleData

/// A fresh temporary directory, unique per call.
func temporaryDirectory(_ name: String) -> String {
    let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("mailroom-linear-tests-\(name)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Small, quick options for tests: fewer buckets and iterations than the defaults.
func quickOptions(seed: UInt64 = 1) -> LinearTrainingOptions {
    var o = LinearTrainingOptions()
    o.buckets = 1 << 18
    o.epochs = 40
    o.seed = seed
    return o
}

/// 900 generated rows (seed 7): ~15 % validation.
let generatedRows = SampleDataGenerator.dataset(count: 900, seed: 7, validationFraction: 0.15)

/// A model trained once on `generatedRows` and shared by read-only tests.
let sharedModel: LinearModel = {
    // Test setup: a failure here fails every test that uses it, with the thrown message.
    try! LinearTrainer.train(dataset: generatedRows, options: quickOptions(), version: "test-1")
}()
