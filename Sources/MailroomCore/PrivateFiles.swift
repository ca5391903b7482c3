// PrivateFiles: directories that hold client data or sockets (the run directory with its ipc sockets and logs,
// the journal directory) are for the user who runs Mailroom only: mode 0700, whatever the umask.
import Foundation

public enum PrivateFiles {
    /// Creates `path` (and missing parents) with mode 0700, or narrows an existing directory to 0700 — except a
    /// shared one (sticky or writable by everyone, such as /tmp or /var/tmp), which is left as it is: narrowing it
    /// would lock every other user and program out (a journal at /var/tmp/gateway-0.sqlite names /var/tmp).
    /// - Throws: Foundation's error when it cannot be created or is not ours to change.
    public static func makeDirectory(_ path: String) throws {
        let fm = FileManager.default
        if let mode = (try? fm.attributesOfItem(atPath: path))?[.posixPermissions] as? NSNumber,
           mode.intValue & 0o1002 != 0 {
            return
        }
        try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }

    /// Writes `text` to `path` atomically (a temp file beside it, then rename) with `mode`, creating the folder:
    /// a reader that reloads the file (the gateway's keys, the router's client keys) never sees half of it.
    /// - Returns: nil on success, else why it failed (`strerror`), for the caller's own error type.
    public static func writeAtomically(_ text: String, to path: String, mode: Int) -> String? {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
                return "cannot create \(dir): \(error.localizedDescription)"
            }
        }
        let temp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temp, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            return "cannot create \(temp)"
        }
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            return reason
        }
        return nil
    }
}
