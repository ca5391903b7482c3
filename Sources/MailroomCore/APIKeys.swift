// APIKeys: the gateway's API keys file. One key per line, `NAME SCOPES sha256:HEX`, where SCOPES is a comma list
// of submit, read, feedback and metrics, and HEX is the SHA-256 of the key: the file never holds a key itself.
// `mailroom api-key new` makes a key (32 random bytes), appends its line and prints the key once.
import Foundation

/// What a key may do: `submit` (POST /v1/emails, POST /v1/classify), `read` (GET /v1/emails/{id}), `feedback`
/// (POST /v1/feedback), `metrics` (GET /metrics).
public enum APIScope: String, Sendable, CaseIterable, Codable {
    case submit, read, feedback, metrics
}

public struct APIKeyEntry: Sendable, Equatable {
    public var name: String
    public var scopes: Set<APIScope>
    /// Lower-case hex SHA-256 of the key.
    public var sha256: String
    public init(name: String, scopes: Set<APIScope>, sha256: String) { self.name = name; self.scopes = scopes; self.sha256 = sha256 }

    /// The entry's line in the keys file.
    public var line: String {
        "\(name) \(APIScope.allCases.filter(scopes.contains).map(\.rawValue).joined(separator: ",")) sha256:\(sha256)"
    }
}

public enum APIKeysError: Error, Equatable, CustomStringConvertible {
    case badLine(path: String, line: Int, reason: String)
    case unreadable(path: String, reason: String)
    case duplicateName(String)

    public var description: String {
        switch self {
        case .badLine(let p, let l, let r): "\(p):\(l): \(r) (expected `NAME SCOPES sha256:HEX`, e.g. `crm submit,read sha256:…`)"
        case .unreadable(let p, let r): "cannot read the API keys file \(p): \(r)"
        case .duplicateName(let n): "an API key named \(n) exists already: revoke it first or pick another name"
        }
    }
}

public enum APIKeys {
    /// Every entry of a keys file's text (`#` starts a comment).
    public static func parse(_ text: String, path: String) throws -> [APIKeyEntry] {
        var entries: [APIKeyEntry] = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.isEmpty { continue }
            guard fields.count == 3 else { throw APIKeysError.badLine(path: path, line: i + 1, reason: "\(fields.count) fields") }
            var scopes = Set<APIScope>()
            for s in fields[1].split(separator: ",") {
                guard let scope = APIScope(rawValue: String(s)) else {
                    throw APIKeysError.badLine(path: path, line: i + 1, reason: "unknown scope \(s) (scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                scopes.insert(scope)
            }
            let hash = fields[2]
            guard hash.hasPrefix("sha256:"), hash.count == 71,
                  hash.dropFirst(7).allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw APIKeysError.badLine(path: path, line: i + 1, reason: "the third field must be sha256: and 64 lower-case hex digits")
            }
            entries.append(APIKeyEntry(name: String(fields[0]), scopes: scopes, sha256: String(hash.dropFirst(7))))
        }
        return entries
    }

    public static func load(path: String) throws -> [APIKeyEntry] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw APIKeysError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return try parse(text, path: path)
    }

    /// Hex SHA-256 of a key as presented.
    public static func hash(_ key: some StringProtocol) -> String {
        var digest = SHA256Digest()
        digest.update(Array(key.utf8))
        return digest.finalize()
    }

    /// A new key: `mrk_` and 32 random bytes (the system's CSPRNG) in base64url.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let b64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "mrk_" + b64
    }

    /// The entry whose hash equals `key`'s. Compares against every entry, in time that does not depend on where
    /// (or whether) the hashes differ.
    public static func match(_ key: some StringProtocol, in entries: [APIKeyEntry]) -> APIKeyEntry? {
        let presented = Array(hash(key).utf8)
        var found: APIKeyEntry?
        for entry in entries {
            let stored = Array(entry.sha256.utf8)
            var diff: UInt8 = stored.count == presented.count ? 0 : 1
            for i in 0..<min(stored.count, presented.count) { diff |= stored[i] ^ presented[i] }
            if diff == 0 && found == nil { found = entry }
        }
        return found
    }

    /// Appends a new key's line to the keys file (created 0600 when missing); returns the key, which is shown once.
    public static func add(name: String, scopes: Set<APIScope>, path: String) throws -> String {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw APIKeysError.badLine(path: path, line: 0, reason: "a key name is letters, digits, - _ . only")
        }
        let existing = FileManager.default.fileExists(atPath: path) ? try load(path: path) : []
        guard !existing.contains(where: { $0.name == name }) else { throw APIKeysError.duplicateName(name) }
        let key = generate()
        let entry = APIKeyEntry(name: name, scopes: scopes, sha256: hash(key))
        try rewrite(path: path, appending: entry.line)
        return key
    }

    /// Removes the key named `name`; returns whether there was one.
    public static func revoke(name: String, path: String) throws -> Bool {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        var kept: [String] = []
        var removed = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.split(separator: " ").first.map(String.init) == name { removed = true } else { kept.append(String(line)) }
        }
        if removed { try write(kept.joined(separator: "\n"), path: path) }
        return removed
    }

    private static func rewrite(path: String, appending line: String) throws {
        var text = (try? String(contentsOfFile: path, encoding: .utf8))
            ?? "# Mailroom gateway API keys: NAME SCOPES sha256:HEX (see `mailroom api-key --help`).\n"
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        try write(text + line + "\n", path: path)
    }

    /// Writes atomically (temp file, then rename), mode 0600: a reloading gateway never reads half a file.
    private static func write(_ text: String, path: String) throws {
        if let reason = PrivateFiles.writeAtomically(text, to: path, mode: 0o600) {
            throw APIKeysError.unreadable(path: path, reason: reason)
        }
    }
}
