// HTML to readable text: block structure as line breaks, lists and tables flattened, quotes marked with "> ".

/// The text of an HTML body.
public struct HTMLConversion: Sendable, Equatable {
    /// The visible text; lines inside quote containers (blockquote, gmail_quote, Outlook reply
    /// headers, Yahoo/Apple quotes) start with `> `.
    public var text: String
    /// Text of hidden elements (`display:none`, `visibility:hidden`, `hidden`), which the reader never saw.
    public var hidden: [String]
}

/// A single-pass, tolerant HTML-to-text converter (no DOM, linear time in the input).
///
/// `<style>`, `<script>`, `<head>`, `<title>` and comments are dropped with their content; images
/// (tracking pixels included) are dropped; entities are decoded; `<li>` becomes "- " or "1. " (see
/// ``HTMLListMarkers``);
/// table cells are joined with " | ", one row per line.
public enum HTMLTextConverter {
    /// Converts an HTML body to text (see the type's description).
    public static func convert(_ html: String) -> HTMLConversion {
        convert(html, listMarkers: .marked, blockquotes: .all)
    }

    /// ``convert(_:)`` with a peer's conventions: `listMarkers` says how `<li>` items start and `blockquotes`
    /// which `<blockquote>` elements hold quoted history.
    package static func convert(_ html: String, listMarkers: HTMLListMarkers,
                                blockquotes: HTMLBlockquotes) -> HTMLConversion {
        let bytes = Array(html.utf8)
        var state = HTMLRenderState()
        state.listMarkers = listMarkers
        state.blockquotes = blockquotes
        if blockquotes == .lastTopLevel {
            // A first pass counts the top-level blockquotes, so the second knows which one is the last.
            var counting = state
            render(bytes, into: &counting)
            state.quotedBlockquote = counting.topLevelBlockquotes > 0 ? counting.topLevelBlockquotes - 1 : nil
        }
        render(bytes, into: &state)
        return state.finish()
    }

    /// Feeds the text runs and tags of `bytes` to `state`.
    @inline(__always)
    private static func render(_ bytes: [UInt8], into state: inout HTMLRenderState) {
        var i = 0
        let n = bytes.count
        var textStart = 0
        while i < n {
            let b = bytes[i]
            if b == UInt8(ascii: "<") {
                if textStart < i { state.appendText(bytes[textStart..<i], decoding: bytes, offset: textStart) }
                i = handleMarkup(bytes, at: i, state: &state)
                textStart = i
            } else {
                i += 1
            }
        }
        if textStart < n { state.appendText(bytes[textStart..<n], decoding: bytes, offset: textStart) }
    }

    /// Elements whose content is never text.
    package static let skipContent: Set<String> = ["style", "script", "head", "title", "template", "noscript", "svg",
                                          "object", "iframe", "xml", "math"]

    /// Parses the markup at `bytes[i] == "<"` and returns the index after it.
    static func handleMarkup(_ bytes: [UInt8], at i: Int, state: inout HTMLRenderState) -> Int {
        let n = bytes.count
        // Comments, conditional comments, CDATA, doctype, processing instructions.
        if i + 3 < n && bytes[i + 1] == UInt8(ascii: "!") && bytes[i + 2] == UInt8(ascii: "-")
            && bytes[i + 3] == UInt8(ascii: "-") {
            return find(bytes, "-->", from: i + 4).map { $0 + 3 } ?? n
        }
        if i + 1 < n && (bytes[i + 1] == UInt8(ascii: "!") || bytes[i + 1] == UInt8(ascii: "?")) {
            return find(bytes, ">", from: i + 2).map { $0 + 1 } ?? n
        }
        guard let tag = HTMLTag.parse(bytes, at: i) else {
            // A lone "<" is text.
            state.appendText(bytes[i..<(i + 1)], decoding: bytes, offset: i)
            return i + 1
        }
        if tag.isClosing {
            state.close(tag.name)
        } else if skipContent.contains(tag.name) && !tag.selfClosing {
            let closer = Array("</\(tag.name)".utf8)
            return findCaseInsensitive(bytes, closer, from: tag.end).flatMap { find(bytes, ">", from: $0) }
                .map { $0 + 1 } ?? n
        } else {
            state.open(tag)
        }
        return tag.end
    }

    /// ASCII lowercase of a byte.
    static func asciiLower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }

    /// Index of `needle` in `bytes` at or after `from`.
    package static func find(_ bytes: [UInt8], _ needle: String, from: Int) -> Int? {
        findCaseInsensitive(bytes, Array(needle.utf8), from: from)
    }

    /// Index of `needle` (ASCII, compared case-insensitively) in `bytes` at or after `from`.
    package static func findCaseInsensitive(_ bytes: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, from < bytes.count, bytes.count - from >= needle.count else { return nil }
        let first = asciiLower(needle[0])
        var i = from
        let last = bytes.count - needle.count
        while i <= last {
            if asciiLower(bytes[i]) == first {
                var k = 1
                while k < needle.count && asciiLower(bytes[i + k]) == asciiLower(needle[k]) { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}

/// One parsed tag: name (lowercased), the attributes the converter needs, and where it ends.
package struct HTMLTag {
    package var name: String
    package var isClosing: Bool
    package var selfClosing: Bool
    /// Lowercased `class`, `id`, `style` and `type` attribute values, and whether `hidden` is present.
    var classAttr = ""
    var idAttr = ""
    var styleAttr = ""
    var typeAttr = ""
    var hiddenAttr = false
    package var end: Int

    /// Parses a tag at `bytes[i] == "<"`, or nil when no tag name follows.
    package static func parse(_ bytes: [UInt8], at i: Int) -> HTMLTag? {
        let n = bytes.count
        var j = i + 1
        var closing = false
        if j < n && bytes[j] == UInt8(ascii: "/") { closing = true; j += 1 }
        let nameStart = j
        while j < n, isNameByte(bytes[j]) { j += 1 }
        guard j > nameStart, isLetter(bytes[nameStart]) else { return nil }
        // "<jane@example.com>" written without escaping is an address, not a tag: keep it as text.
        if !closing {
            var k = j
            while k < n && k < j + 256, bytes[k] > 0x20, bytes[k] != UInt8(ascii: ">"), bytes[k] != UInt8(ascii: "=") {
                if bytes[k] == UInt8(ascii: "@") { return nil }
                k += 1
            }
        }
        let name = String(decoding: bytes[nameStart..<j], as: UTF8.self).lowercased()
        var tag = HTMLTag(name: name, isClosing: closing, selfClosing: false, end: n)
        // Attributes until ">" (quoted values may contain ">").
        while j < n {
            let b = bytes[j]
            if b == UInt8(ascii: ">") { tag.end = j + 1; break }
            if b == UInt8(ascii: "/") && j + 1 < n && bytes[j + 1] == UInt8(ascii: ">") {
                tag.selfClosing = true; tag.end = j + 2; break
            }
            if isLetter(b) {
                let attrStart = j
                while j < n, isNameByte(bytes[j]) || bytes[j] == UInt8(ascii: ":") { j += 1 }
                let attr = String(decoding: bytes[attrStart..<j], as: UTF8.self).lowercased()
                var value = ""
                var k = j
                while k < n && bytes[k] == 0x20 { k += 1 }
                if k < n && bytes[k] == UInt8(ascii: "=") {
                    k += 1
                    while k < n && bytes[k] == 0x20 { k += 1 }
                    var valueEnd = k
                    if k < n && (bytes[k] == UInt8(ascii: "\"") || bytes[k] == UInt8(ascii: "'")) {
                        let quote = bytes[k]
                        valueEnd = k + 1
                        while valueEnd < n && bytes[valueEnd] != quote { valueEnd += 1 }
                        value = String(decoding: bytes[(k + 1)..<valueEnd], as: UTF8.self)
                        j = min(n, valueEnd + 1)
                    } else {
                        while valueEnd < n && bytes[valueEnd] > 0x20 && bytes[valueEnd] != UInt8(ascii: ">") { valueEnd += 1 }
                        value = String(decoding: bytes[k..<valueEnd], as: UTF8.self)
                        j = valueEnd
                    }
                }
                switch attr {
                case "class": tag.classAttr = value.lowercased()
                case "id": tag.idAttr = value.lowercased()
                case "style": tag.styleAttr = value.lowercased()
                case "type": tag.typeAttr = value.lowercased()
                case "hidden": tag.hiddenAttr = true
                default: break
                }
                continue
            }
            j += 1
        }
        return tag
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    private static func isNameByte(_ b: UInt8) -> Bool {
        isLetter(b) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: ":")
            || b == UInt8(ascii: "_")
    }

    /// Whether the element hides its content from the reader.
    var hidesContent: Bool {
        if hiddenAttr { return true }
        let style = styleAttr.filter { $0 != " " }
        return style.has("display:none") || style.has("visibility:hidden")
            || (style.has("max-height:0") && style.has("overflow:hidden"))
            || style.has("mso-hide:all") && style.has("display:none")
    }

    /// Whether the element holds quoted history (Gmail, Outlook, Apple, Yahoo, Thunderbird containers).
    var isQuoteContainer: Bool {
        if name == "blockquote" { return true }
        let cls = classAttr
        return cls.has("gmail_quote") || cls.has("yahoo_quoted") || cls.has("moz-cite-prefix")
            || cls.has("ms-outlook-mobile-reference-message") || cls.has("zmail_extra")
            || cls.has("protonmail_quote") || cls.has("reply-quote")
    }

    /// Whether everything from this element to the end of the body is quoted history (Outlook).
    var startsQuotedRemainder: Bool {
        idAttr == "appendonsend" || idAttr == "divrplyfwdmsg" || idAttr == "x_divrplyfwdmsg"
            || idAttr == "x_appendonsend" || idAttr == "stopspelling" || classAttr.has("outlookmessageheader")
    }
}
