// YAMLText: the small YAML writer the Kubernetes renderers use: an ordered tree of maps, lists and scalars written in
// block style, strings quoted whenever a plain scalar could read as something else, multi-line text as `|` blocks.
import Foundation

/// A YAML value in the order it is written.
public indirect enum YAMLNode: Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case list([YAMLNode])
    case map([(String, YAMLNode)])

    /// The document: `# comment` lines, then the tree, ending in a newline.
    public func document(comment: String? = nil) -> String {
        var out = comment.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map { "# " + $0 }.joined(separator: "\n") + "\n" } ?? ""
        write(into: &out, indent: 0)
        return out
    }

    private var isScalar: Bool {
        switch self {
        case .string(let s): !s.contains("\n")
        case .int, .bool: true
        case .list(let l): l.isEmpty
        case .map(let m): m.isEmpty
        }
    }

    /// The scalar on one line (only for ``isScalar`` nodes).
    private var inline: String {
        switch self {
        case .string(let s): YAMLNode.quoted(s)
        case .int(let i): String(i)
        case .bool(let b): b ? "true" : "false"
        case .list: "[]"
        case .map: "{}"
        }
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .map(let pairs) where !pairs.isEmpty:
            for (key, value) in pairs {
                out += pad + YAMLNode.quoted(key) + ":"
                value.writeValue(into: &out, indent: indent)
            }
        case .list(let items) where !items.isEmpty:
            for item in items {
                if case .map(let pairs) = item, let first = pairs.first {
                    // `- key: value` then the rest of the map under it.
                    var rest = ""
                    YAMLNode.map(Array(pairs.dropFirst())).write(into: &rest, indent: indent + 2)
                    var head = ""
                    YAMLNode.map([first]).write(into: &head, indent: indent + 2)
                    out += pad + "- " + head.dropFirst(indent + 2)
                    if pairs.count > 1 { out += rest }
                } else if item.isScalar {
                    out += pad + "- " + item.inline + "\n"
                } else {
                    out += pad + "-"
                    item.writeValue(into: &out, indent: indent)
                }
            }
        default:
            out += pad + inline + "\n"
        }
    }

    /// After `key:` (or `-`): a scalar on the same line, a block below it.
    private func writeValue(into out: inout String, indent: Int) {
        if case .string(let s) = self, s.contains("\n") {
            let chomp = s.hasSuffix("\n\n") ? "+" : s.hasSuffix("\n") ? "" : "-"
            out += " |" + chomp + "\n"
            let body = s.hasSuffix("\n") ? String(s.dropLast()) : s
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                out += line.isEmpty ? "\n" : String(repeating: " ", count: indent + 2) + line + "\n"
            }
        } else if isScalar {
            out += " " + inline + "\n"
        } else {
            out += "\n"
            write(into: &out, indent: indent + 2)
        }
    }

    /// A plain scalar when it cannot read as anything but this string, else a double-quoted one (JSON's escaping is
    /// valid YAML).
    static func quoted(_ s: String) -> String {
        let plainFirst = CharacterSet.letters.union(CharacterSet(charactersIn: "_/"))
        let plainRest = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "_./-"))
        let special: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]
        if let first = s.unicodeScalars.first, s.unicodeScalars.allSatisfy({ $0.isASCII }),
           plainFirst.contains(first), s.unicodeScalars.allSatisfy({ plainRest.contains($0) }),
           !special.contains(s.lowercased()) {
            return s
        }
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// Lower-case letters, digits and '-', at most `limit` characters, as Kubernetes names require.
    static func dnsLabel(_ s: String, limit: Int = 63) -> String {
        let mapped = String(s.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
        let trimmed = mapped.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return String((trimmed.isEmpty ? "mailroom" : trimmed).prefix(limit)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }
}
