// TopologyFile: the INI-like syntax of a topology file, read into sections of `key = value` lines (no meaning yet).

/// One `key = value` line.
struct TopologyEntry: Sendable, Equatable {
    var key: String
    var value: String
    var line: Int
}

/// One `[header]` and the entries under it, in file order.
struct TopologySection: Sendable, Equatable {
    /// The text between the brackets, with inner runs of spaces collapsed (`process classifier`).
    var header: String
    var line: Int
    var entries: [TopologyEntry]
}

/// The syntax of a whole file: its sections in order.
///
/// Rules: blank lines are skipped; `#` starts a comment at the start of a line or after whitespace
/// (outside quotes); `[name]` opens a section; every other line is `key = value` (the first `=` splits).
/// Duplicate sections and duplicate keys within a section are errors.
struct TopologyFile: Sendable {
    var sections: [TopologySection]

    static func parse(_ text: String, file: String) throws(TopologyError) -> TopologyFile {
        var sections: [TopologySection] = []
        var sectionLines: [String: Int] = [:]
        var keyLines: [String: Int] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let location = SourceLocation(file: file, line: lineNumber)
            let line = try stripComment(String(rawLine), at: location).trimmingWhitespace()
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw .syntax(location, line) }
                let header = line.dropFirst().dropLast().split(whereSeparator: { $0 == " " || $0 == "\t" })
                    .joined(separator: " ")
                if let first = sectionLines[header] { throw .duplicateSection(location, header, firstLine: first) }
                sectionLines[header] = lineNumber
                keyLines = [:]
                sections.append(TopologySection(header: header, line: lineNumber, entries: []))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else { throw .syntax(location, line) }
            let key = String(line[..<equals]).trimmingWhitespace()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            guard !key.isEmpty else { throw .syntax(location, line) }
            guard !sections.isEmpty else {
                throw .syntax(location, line + "' before any [section]; start the file with '[topology]")
            }
            if let first = keyLines[key] { throw .duplicateKey(location, key, firstLine: first) }
            keyLines[key] = lineNumber
            sections[sections.count - 1].entries.append(TopologyEntry(key: key, value: value, line: lineNumber))
        }
        return TopologyFile(sections: sections)
    }

    /// Removes a trailing `# comment`: `#` counts at the start or after a space or tab, outside quotes.
    static func stripComment(_ line: String, at location: SourceLocation) throws(TopologyError) -> String {
        var quote: Character?
        var previous: Character = " "
        var result = ""
        for character in line {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t") {
                return result
            }
            result.append(character)
            previous = character
        }
        if let open = quote { throw .unterminated(location, "quote \(open) in '\(line.trimmingWhitespace())'") }
        return result
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
