// Redaction: passwords out of text that names a server (`postgres://user:secret@host` → `postgres://user:…@host`),
// for logs, errors and rendered manifests.

public enum Redaction {
    /// Every `scheme://user:password@` in `text` with the password replaced by `…`.
    public static func urlPasswords(_ text: String) -> String {
        text.replacing(#/([a-z][a-z0-9+.-]*://[^:/@\s]+):[^@\s]+@/#, with: { "\($0.output.1):…@" })
    }
}
