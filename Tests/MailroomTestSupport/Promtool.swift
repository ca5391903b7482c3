// Promtool: Prometheus' own checker of a text exposition (`promtool check metrics`), where the machine has it
// (Debian's prometheus package); tests call it on what /metrics really serves.
import Foundation

public enum Promtool {
    public static let path = "/usr/bin/promtool"

    /// What `promtool check metrics` says about `text`: nil when it passes, or when this machine has no promtool.
    public static func problems(_ text: String) throws -> String? {
        guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["check", "metrics"]
        let input = Pipe(), output = Pipe()
        p.standardInput = input; p.standardOutput = output; p.standardError = output
        try p.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        p.waitUntilExit()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return p.terminationStatus == 0 ? nil : said
    }
}
