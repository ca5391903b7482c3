// The line builder behind HTMLTextConverter: whitespace collapsing, block breaks, lists, tables, quote marks.

/// Mutable rendering state for one HTML conversion.
package struct HTMLRenderState {
    /// An open element and what it means for its content.
    private struct Open {
        var name: String
        var quote: Bool
        var hidden: Bool
        var listCounter: Int?
    }

    private var stack: [Open] = []
    private var lines: [String] = []
    private var line = ""
    private var lineQuoted = false
    private var pendingSpace = false
    private var blankLinesWanted = 0
    private var quoteDepth = 0
    private var hiddenDepth = 0
    private var preDepth = 0
    private var quoteRemainder = false
    private var cellsInRow = 0
    private var hidden: [String] = []
    private var hiddenBuffer = ""
    /// How list items are marked.
    var listMarkers: HTMLListMarkers = .marked
    /// Which blockquotes are quote containers.
    var blockquotes: HTMLBlockquotes = .all
    /// With ``HTMLBlockquotes/lastTopLevel``: the index of the top-level blockquote that is quoted, if any.
    var quotedBlockquote: Int?
    /// Top-level blockquotes (not inside another, not class `gmail_quote`) opened so far.
    private(set) var topLevelBlockquotes = 0

    /// Elements that break lines before and after them.
    static let blocks: Set<String> = [
        "div", "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr", "blockquote", "pre",
        "section", "article", "header", "footer", "address", "center", "form", "fieldset", "nav", "aside",
        "figure", "main", "dl", "dt", "dd", "tbody", "thead", "tfoot", "caption", "hr", "body", "html",
    ]
    /// Blocks separated from their neighbours by an empty line.
    static let paragraphs: Set<String> = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote", "ul", "ol"]
    /// Elements that never have content or a closing tag.
    package static let voids: Set<String> = ["br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr",
                                     "source", "track", "embed", "param"]

    mutating func open(_ tag: HTMLTag) {
        let name = tag.name
        if tag.startsQuotedRemainder { breakLine(blank: 0); quoteRemainder = true }
        if name == "br" { breakLine(blank: 0, force: true); return }
        if name == "hr" { breakLine(blank: 0); return }
        if Self.voids.contains(name) || tag.selfClosing { return }
        if Self.blocks.contains(name) { breakLine(blank: Self.paragraphs.contains(name) ? 1 : 0) }
        if name == "td" || name == "th" {
            if cellsInRow > 0 { appendRaw(" | ") }
            cellsInRow += 1
        }
        if name == "tr" { cellsInRow = 0 }
        var quote = tag.isQuoteContainer
        if name == "blockquote" && blockquotes == .lastTopLevel {
            quote = false
            if !tag.classAttr.has("gmail_quote") && !stack.contains(where: { $0.name == "blockquote" }) {
                quote = topLevelBlockquotes == quotedBlockquote
                topLevelBlockquotes += 1
            }
        }
        var entry = Open(name: name, quote: quote, hidden: tag.hidesContent, listCounter: nil)
        if name == "ol" { entry.listCounter = 0 }
        if name == "li" && listMarkers == .marked {
            let ordered = stack.last(where: { $0.name == "ol" || $0.name == "ul" })
            if let index = stack.lastIndex(where: { $0.name == "ol" || $0.name == "ul" }), ordered?.name == "ol" {
                stack[index].listCounter = (stack[index].listCounter ?? 0) + 1
                appendRaw("\(stack[index].listCounter ?? 1). ")
            } else {
                appendRaw("- ")
            }
        }
        if name == "pre" { preDepth += 1 }
        if entry.quote { quoteDepth += 1 }
        if entry.hidden { hiddenDepth += 1 }
        stack.append(entry)
        if stack.count > 512 { stack.removeFirst(stack.count - 512) }
    }

    mutating func close(_ name: String) {
        guard let index = stack.lastIndex(where: { $0.name == name }), stack.count - index <= 64 else { return }
        while stack.count > index {
            let e = stack.removeLast()
            if e.quote { quoteDepth -= 1 }
            if e.hidden {
                hiddenDepth -= 1
                if hiddenDepth == 0 { flushHidden() }
            }
            if e.name == "pre" { preDepth -= 1 }
            if Self.blocks.contains(e.name) { breakLine(blank: Self.paragraphs.contains(e.name) ? 1 : 0) }
        }
    }

    /// Appends character data (entities decoded, whitespace collapsed outside `<pre>`).
    mutating func appendText(_ slice: ArraySlice<UInt8>, decoding bytes: [UInt8], offset: Int) {
        var decoded = ""
        var i = slice.startIndex
        var runStart = i
        while i < slice.endIndex {
            if slice[i] == UInt8(ascii: "&"), let (text, next) = HTMLEntities.decode(bytes, at: i + 1),
               next <= slice.endIndex {
                decoded += String(decoding: slice[runStart..<i], as: UTF8.self)
                decoded += text
                i = next
                runStart = i
            } else {
                i += 1
            }
        }
        decoded += String(decoding: slice[runStart..<slice.endIndex], as: UTF8.self)
        if hiddenDepth > 0 { hiddenBuffer += decoded; return }
        if preDepth > 0 {
            let parts = decoded.split(separator: "\n", omittingEmptySubsequences: false)
            for (k, part) in parts.enumerated() {
                if k > 0 { breakLine(blank: 0, force: true) }
                appendRaw(String(part))
            }
            return
        }
        for ch in decoded.unicodeScalars {
            if ch == " " || ch == "\n" || ch == "\t" || ch == "\r" || ch == "\u{0C}" {
                pendingSpace = true
            } else {
                if pendingSpace && !line.isEmpty { line.append(" ") }
                pendingSpace = false
                if line.isEmpty { startLine() }
                line.unicodeScalars.append(ch)
            }
        }
    }

    private mutating func appendRaw(_ s: String) {
        if hiddenDepth > 0 { hiddenBuffer += s; return }
        if pendingSpace && !line.isEmpty { line.append(" ") }
        pendingSpace = false
        if line.isEmpty { startLine() }
        line += s
    }

    private mutating func startLine() {
        if blankLinesWanted > 0 && !lines.isEmpty && !(lines.last?.isEmpty ?? true) {
            lines.append(lineQuotedNow ? ">" : "")
        }
        blankLinesWanted = 0
        lineQuoted = lineQuotedNow
    }

    private var lineQuotedNow: Bool { quoteDepth > 0 || quoteRemainder }

    private mutating func breakLine(blank: Int, force: Bool = false) {
        pendingSpace = false
        let trimmed = line.trimmingTrailing()
        if !trimmed.isEmpty {
            lines.append(lineQuoted ? "> " + trimmed : String(trimmed))
        } else if force && !lines.isEmpty {
            lines.append(lineQuotedNow ? ">" : "")
        }
        line = ""
        blankLinesWanted = max(blankLinesWanted, blank)
    }

    private mutating func flushHidden() {
        let t = hiddenBuffer.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).joined(separator: " ")
        if !t.isEmpty { hidden.append(t) }
        hiddenBuffer = ""
    }

    mutating func finish() -> HTMLConversion {
        breakLine(blank: 0)
        flushHidden()
        // Collapse runs of empty lines to one and trim the ends.
        var out: [String] = []
        for l in lines {
            let isEmpty = l.isEmpty || l == ">"
            if isEmpty, let last = out.last, last.isEmpty || last == ">" { continue }
            out.append(l)
        }
        while let f = out.first, f.isEmpty || f == ">" { out.removeFirst() }
        while let l = out.last, l.isEmpty || l == ">" { out.removeLast() }
        return HTMLConversion(text: out.joined(separator: "\n"), hidden: hidden)
    }
}
