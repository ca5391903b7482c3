// LinkageTests: each built executable links only what its process needs: only the classifier and the CLI load
// OpenBLAS; only the gateway (its intake journal), the feedback-collector and the CLI load SQLite (read off the real
// binaries with ldd).
import Foundation
import Testing

@Suite struct LinkageTests {
    /// The shared libraries `ldd` lists for a built executable.
    func libraries(of executable: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        p.arguments = [(Harness.binDirectory as NSString).appendingPathComponent(executable)]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0, "ldd \(executable) failed: build it first")
        return String(decoding: data, as: UTF8.self)
    }

    @Test(arguments: [
        ("gateway", false, true), ("cleaner", false, false), ("router", false, true),
        ("feedback-collector", false, true), ("classifier", true, false), ("mailroom", true, true),
    ])
    func linksOnlyWhatItNeeds(executable: String, blas: Bool, sqlite: Bool) throws {
        let libs = try libraries(of: executable)
        #expect(libs.contains("libzmq"), "\(executable) talks ZeroMQ")
        #expect(libs.contains("libopenblas") == blas, "\(executable): OpenBLAS linked = \(!blas)")
        #expect(libs.contains("libsqlite3") == sqlite, "\(executable): SQLite linked = \(!sqlite)")
    }
}
