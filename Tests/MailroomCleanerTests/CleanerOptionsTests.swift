// Unit tests of the cleaner options that model peers' documented settings: line cap, custom quote headers,
// HTML list markers and blockquote handling, and the evaluator's reading of peer options.
import Testing
@testable import MailroomCleaner
@testable import MailroomCleanerFixtures

@Test func maxLinesKeepsOnlyTheFirstLinesAndSaysSo() {
    #expect(TextNormalizer.truncate("a\nb\nc", maxLines: 2) == ("a\nb", true))
    #expect(TextNormalizer.truncate("a\nb\nc", maxLines: 3) == ("a\nb\nc", false))
    #expect(TextNormalizer.truncate("a\n", maxLines: 1) == ("a", false))
    #expect(TextNormalizer.truncate("a\nb", maxLines: 0) == ("", true))
    let body = "Test reply\nHi\n-----Original Message-----\n\nTest"
    let capped = EmailCleaner(options: .init(maxLines: 1)).clean(text: body, html: nil)
    #expect(capped.text == "Test reply")
    #expect(capped.inputTruncated)
    let full = EmailCleaner().clean(text: body, html: nil)
    #expect(full.text == "Test reply\nHi")
    #expect(!full.inputTruncated)
}

@Test func quoteHeaderPatternMatchesPrefixThenFragmentsInOrder() {
    let p = QuoteHeaderPattern(prefix: "From: ", fragments: ["[mailto:", "@help.example.com"])
    #expect(p.matches("From: Desk [mailto:desk@help.example.com]"))
    #expect(p.matches("   From: Desk [mailto:desk@help.example.com] Sent: today"))
    #expect(!p.matches("From: Desk <desk@help.example.com> [mailto:x]"))   // fragments out of order
    #expect(!p.matches("Re: From: Desk [mailto:desk@help.example.com]"))    // prefix not at the line start
    #expect(!p.matches("From: Desk [mailto:desk@other.example.com]"))
    #expect(!QuoteHeaderPattern(prefix: "", fragments: [""]).matches("anything"))
    // Only the first maxLineBytes bytes of a line are looked at.
    let far = "From: " + String(repeating: "x", count: QuoteHeaderPattern.maxLineBytes) + "[mailto:a@help.example.com"
    #expect(!p.matches(far[...]))
}

@Test func customQuoteHeaderCutsTheHistoryOnlyWhenConfigured() {
    let body = "Yes, that works for me.\n\n##- Please type your reply above this line -##\n\n"
        + "Your request 4411 was updated.\nAgent: can we call you on Monday?"
    let header = QuoteHeaderPattern(prefix: "##- ", fragments: ["reply above this line"])
    let plain = EmailCleaner().clean(text: body, html: nil)
    #expect(plain.text.contains("can we call you on Monday?"))
    let custom = EmailCleaner(options: .init(customQuoteHeaders: [header])).clean(text: body, html: nil)
    #expect(custom.text == "Yes, that works for me.")
    #expect(custom.removed.contains { $0.kind == .quote && $0.text.hasPrefix("##- Please type") })
    // A `>`-quoted line never starts the history.
    #expect(QuoteHeaderPattern.cut("ok\n> ##- reply above this line", patterns: [header]) == nil)
}

@Test func htmlListMarkersCanBeLeftOut() {
    let html = "<p>Items:</p><ol><li>Lights</li><li>Labor</li></ol><ul><li>Note</li></ul>"
    let marked = HTMLTextConverter.convert(html).text
    #expect(marked.contains("1. Lights") && marked.contains("2. Labor") && marked.contains("- Note"))
    let bare = HTMLTextConverter.convert(html, listMarkers: .none, blockquotes: .all).text
    let lines = bare.split(separator: "\n").map(String.init)
    #expect(lines.contains("Lights") && lines.contains("Labor") && lines.contains("Note"))
    #expect(!bare.contains("1.") && !bare.contains("- "))
}

@Test func onlyTheLastTopLevelBlockquoteIsQuotedInLastTopLevelMode() {
    let html = "Reply<blockquote>Regular</blockquote><p>On Monday Bob wrote:</p>"
        + "<blockquote><div><blockquote>Nested</blockquote></div></blockquote>"
        + "<blockquote class=\"gmail_quote\">Gmail class</blockquote>"
    let all = HTMLTextConverter.convert(html).text
    #expect(all.contains("> Regular") && all.contains("> Gmail class"))
    let last = HTMLTextConverter.convert(html, listMarkers: .marked, blockquotes: .lastTopLevel).text
    let lines = last.split(separator: "\n").map(String.init)
    #expect(lines.contains("Regular") && lines.contains("Gmail class"))
    #expect(lines.contains { $0.hasPrefix(">") && $0.contains("Nested") })
    let cleaned = EmailCleaner(options: { var o = CleanerOptions(); o.htmlBlockquotes = .lastTopLevel; return o }()).clean(text: nil, html: html)
    #expect(cleaned.text.contains("Regular"))
    #expect(!cleaned.text.contains("Nested"))
}

@Test func willdurandHeaderRegexIsReadAsALiteralPatternOrNotAtAll() throws {
    let h = try #require(WilldurandQuoteHeader(regex: #"/^(From\: .+ .+test\@webdomain\.com.+)/ms"#))
    #expect(h.pattern == QuoteHeaderPattern(prefix: "From: ", fragments: [" ", "test@webdomain.com"]))
    #expect(h.runsToEnd)
    #expect(WilldurandQuoteHeader(regex: #"/^(From\: .+test\.com.+)/m"#)?.runsToEnd == false)
    // Classes, alternatives, unanchored patterns and patterns without the m flag are not translated.
    #expect(WilldurandQuoteHeader(regex: #"/^(From\: \d+)/m"#) == nil)
    #expect(WilldurandQuoteHeader(regex: #"/^(From|De)\: .+/m"#) == nil)
    #expect(WilldurandQuoteHeader(regex: #"/From\: .+/m"#) == nil)
    #expect(WilldurandQuoteHeader(regex: #"/^From\: .+/s"#) == nil)
}
