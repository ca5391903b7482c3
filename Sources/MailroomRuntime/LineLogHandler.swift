// LineLogHandler: one line per event on stderr, `TIME LEVEL LABEL: message key=value ...`, with every message and
// metadata value escaped (a newline or control character in a client-chosen id cannot forge or split a line).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import MailroomCore
import Synchronization

public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let write: @Sendable (String) -> Void

    public init(label: String, write: @escaping @Sendable (String) -> Void = LineLogHandler.standardError) {
        self.label = label; self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let extra { all.merge(extra) { $1 } }
        var text = "\(Self.timestamp()) \(level) \(label): \(Self.escaped("\(message)", bare: true))"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            text += " \(Self.escaped(key, bare: true))=\(Self.escaped("\(value)", bare: false))"
        }
        write(text + "\n")
    }

    /// `s` as is when it holds only printable characters (and, unless `bare`, no space, quote or `=`); otherwise
    /// quoted with control characters escaped.
    static func escaped(_ s: String, bare: Bool) -> String {
        let plain = s.unicodeScalars.allSatisfy { c in
            !isUnsafeInLine(c) && (bare || (c != " " && c != "\"" && c != "=" && c != "\\"))
        }
        return plain && (bare || !s.isEmpty) ? s : quotedForMessage(s, limit: .max)
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var t = now.tv_sec
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                      parts.tm_hour, parts.tm_min, parts.tm_sec, Int(now.tv_nsec / 1_000_000))
    }

    private static let lock = Mutex(())

    /// Writes a whole line to stderr at once (lines of concurrent tasks never interleave).
    public static let standardError: @Sendable (String) -> Void = { line in
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
