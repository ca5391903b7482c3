// LabelMap: how labels evolve between the champion and the next model. A file of lines
//   HEAD OLD -> NEW      rename (closed cases and history rows with OLD train NEW)
//   HEAD OLD retired     drop the label (rows keep their other heads)
// Blank lines and lines starting with # are ignored. Labels with spaces are written in double quotes.
import Foundation

public struct LabelMap: Sendable, Equatable {
    /// Head → old label → new label.
    public var renames: [String: [String: String]] = [:]
    /// Head → retired labels.
    public var retired: [String: Set<String>] = [:]

    public init(renames: [String: [String: String]] = [:], retired: [String: Set<String>] = [:]) {
        self.renames = renames; self.retired = retired
    }

    /// The label a row trains for `head`, or nil when the label is retired.
    public func apply(head: String, label: String) -> String? {
        var label = label
        var seen: Set<String> = []
        while let next = renames[head]?[label], !seen.contains(next) { seen.insert(label); label = next }  // chains, no loops
        return retired[head]?.contains(label) == true ? nil : label
    }

    public static func read(path: String) throws -> LabelMap {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RetrainingError.badLabelMap(path: path, line: 0, reason: "cannot read it (\(error.localizedDescription))")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = "label map") throws -> LabelMap {
        var map = LabelMap()
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let words = try tokens(line, path: path, line: i + 1)
            switch words.count {
            case 4 where words[2] == "->":
                map.renames[words[0], default: [:]][words[1]] = words[3]
            case 3 where words[2] == "retired":
                map.retired[words[0], default: []].insert(words[1])
            default:
                throw RetrainingError.badLabelMap(path: path, line: i + 1,
                                                  reason: "expected `HEAD OLD -> NEW` or `HEAD LABEL retired`")
            }
        }
        return map
    }

    /// Words split on spaces, a double-quoted word kept whole.
    private static func tokens(_ line: String, path: String, line number: Int) throws -> [String] {
        var words: [String] = [], current = "", quoted = false, hasWord = false
        for c in line {
            if c == "\"" { quoted.toggle(); hasWord = true; continue }
            if c == " " && !quoted {
                if hasWord { words.append(current); current = ""; hasWord = false }
                continue
            }
            current.append(c); hasWord = true
        }
        if quoted { throw RetrainingError.badLabelMap(path: path, line: number, reason: "a quote is not closed") }
        if hasWord { words.append(current) }
        return words
    }
}
