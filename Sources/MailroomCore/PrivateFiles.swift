// PrivateFiles: directories that hold client data or sockets (the run directory with its ipc sockets and logs,
// the journal directory) are for the user who runs Mailroom only: mode 0700, whatever the umask.
import Foundation

public enum PrivateFiles {
    /// Creates `path` (and missing parents) with mode 0700, or narrows an existing directory to 0700.
    /// - Throws: Foundation's error when it cannot be created or is not ours to change.
    public static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
    }
}
