// ArgumentSplitter: splits an `args = ...` line into arguments on whitespace, honouring shell-like quotes.

/// Splits a line into arguments.
///
/// Whitespace separates arguments. `"..."` groups text with spaces; inside it `\"` and `\\` stand for `"` and `\`.
/// `'...'` groups text literally. Quoted and unquoted parts next to each other join (`--x="a b"` is one argument),
/// and `""` is an empty argument. Nothing else is special: no variables, globs or pipes.
enum ArgumentSplitter {
    static func split(_ line: String, at location: SourceLocation) throws(TopologyError) -> [String] {
        var arguments: [String] = []
        var current = ""
        var inToken = false
        var quote: Character?
        var escaping = false
        for character in line {
            if let open = quote {
                if open == "\"" && escaping {
                    if character != "\"" && character != "\\" { current.append("\\") }
                    current.append(character)
                    escaping = false
                } else if open == "\"" && character == "\\" {
                    escaping = true
                } else if character == open {
                    quote = nil
                } else {
                    current.append(character)
                }
            } else if character == " " || character == "\t" {
                if inToken { arguments.append(current); current = ""; inToken = false }
            } else if character == "\"" || character == "'" {
                quote = character
                inToken = true
            } else {
                current.append(character)
                inToken = true
            }
        }
        if let open = quote { throw .unterminated(location, "quote \(open) in '\(line)'") }
        if inToken { arguments.append(current) }
        return arguments
    }

    /// A value with one pair of surrounding quotes removed (`"a b"` → `a b`), for `env.*` and variables.
    static func unquote(_ value: String) -> String {
        guard value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first else {
            return value
        }
        return String(value.dropFirst().dropLast())
    }
}
