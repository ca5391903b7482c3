// talon's HTML "From: block" cut, modelled for its test cases (evaluator only, not a cleaner rule).
import MailroomCleaner

extension PeerFixtureEvaluator {
    /// Whether talon would cut a quote container before trying the "From:" block (blockquote, gmail_quote,
    /// Zimbra, Outlook reply divs and ids).
    static func hasTalonQuoteContainer(_ html: String) -> Bool {
        let lower = html.lowercased()
        return ["<blockquote", "gmail_quote", "zimbra", "divrplyfwdmsg", "olk_src_body_section",
                "border-top:solid #b5c4df", "border-top: solid #b5c4df"].contains { lower.contains($0) }
    }

    /// The HTML with talon's `cut_from_block` applied, or nil when it cuts nothing.
    ///
    /// talon finds the last element whose stripped text starts with "From:" or "Date:", climbs to the nearest
    /// enclosing `<div>` and removes that div with every sibling after it (unless the div is the body's only
    /// child). The writer's own lines in that div go with it, e.g. a name above an `<hr>` and a header block.
    /// talon runs this only when none of its container cuts (blockquote, gmail_quote, …) applied, so callers
    /// use it on HTML without those containers.
    static func talonFromBlockCut(_ html: String) -> String? {
        let bytes = Array(html.utf8)
        struct Element {
            var name: String
            var start: Int
            var id: Int
            var textSeen = false
            var elementChildren = 0
        }
        struct Match {
            var divStart: Int
            var parentID: Int
            var parentIsLoneBodyChild: Bool
            var parentEnd: Int?
        }
        var stack: [Element] = []
        var nextID = 0
        var match: Match?
        var bodyChildren = 0
        var bodyID: Int?

        func noteText(_ run: ArraySlice<UInt8>) {
            guard let first = run.firstIndex(where: { $0 > 0x20 }) else { return }
            let rest = run[first...]
            let starts = rest.starts(with: Array("From:".utf8)) || rest.starts(with: Array("Date:".utf8))
            guard let fresh = stack.lastIndex(where: { !$0.textSeen }) else { return }
            let firstFresh = stack.firstIndex(where: { !$0.textSeen }) ?? fresh
            for k in firstFresh..<stack.count { stack[k].textSeen = true }
            // The deepest element whose text starts here is the last such element in document order.
            guard starts, let div = stack[...fresh].lastIndex(where: { $0.name == "div" }), div > 0 else { return }
            let parent = stack[div - 1]
            match = Match(divStart: stack[div].start, parentID: parent.id,
                          parentIsLoneBodyChild: parent.name == "body", parentEnd: nil)
        }

        var i = 0
        var textStart = 0
        let n = bytes.count
        while i < n {
            guard bytes[i] == UInt8(ascii: "<") else { i += 1; continue }
            if textStart < i { noteText(bytes[textStart..<i]) }
            if i + 3 < n && bytes[i + 1] == UInt8(ascii: "!") && bytes[i + 2] == UInt8(ascii: "-") {
                i = HTMLTextConverter.find(bytes, "-->", from: i + 4).map { $0 + 3 } ?? n
            } else if i + 1 < n && (bytes[i + 1] == UInt8(ascii: "!") || bytes[i + 1] == UInt8(ascii: "?")) {
                i = HTMLTextConverter.find(bytes, ">", from: i + 2).map { $0 + 1 } ?? n
            } else if let tag = HTMLTag.parse(bytes, at: i) {
                if tag.isClosing {
                    if let k = stack.lastIndex(where: { $0.name == tag.name }) {
                        for closed in stack[k...] where closed.id == match?.parentID { match?.parentEnd = i }
                        stack.removeSubrange(k...)
                    }
                    i = tag.end
                } else if HTMLTextConverter.skipContent.contains(tag.name) && !tag.selfClosing {
                    let closer = Array("</\(tag.name)".utf8)
                    i = HTMLTextConverter.findCaseInsensitive(bytes, closer, from: tag.end)
                        .flatMap { HTMLTextConverter.find(bytes, ">", from: $0) }.map { $0 + 1 } ?? n
                } else {
                    if let last = stack.indices.last {
                        stack[last].elementChildren += 1
                        if stack[last].id == bodyID { bodyChildren += 1 }
                    }
                    if !(HTMLRenderState.voids.contains(tag.name) || tag.selfClosing) {
                        stack.append(Element(name: tag.name, start: i, id: nextID))
                        if tag.name == "body" { bodyID = nextID }
                        nextID += 1
                    }
                    i = tag.end
                }
            } else {
                i += 1
                continue
            }
            textStart = i
        }
        if textStart < n { noteText(bytes[textStart..<n]) }
        guard var m = match else { return nil }
        if m.parentIsLoneBodyChild && bodyChildren == 1 { return nil }
        let end = m.parentEnd ?? n
        m.parentEnd = end
        return String(decoding: bytes[..<m.divStart] + bytes[end...], as: UTF8.self)
    }
}
