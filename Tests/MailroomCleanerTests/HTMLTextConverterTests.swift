// Tests of HTML to text: structure, entities, dropped content, hidden elements and quote containers.
import Testing
@testable import MailroomCleaner

@Test func htmlBlocksListsTablesAndEntities() {
    let html = """
    <html><head><title>T</title><style>p{color:red}</style></head><body>
    <p>Sehr geehrte Damen &amp; Herren,</p><p>bitte pr&uuml;fen:&nbsp;<b>Auftrag</b> &#8222;42&#8220;</p>
    <ul><li>eins</li><li>zwei</li></ul><ol><li>a</li><li>b</li></ol>
    <table><tr><td>Artikel</td><td>Menge</td></tr><tr><td>Stuhl</td><td>2</td></tr></table>
    <script>alert(1)</script><img src="https://t.example/pixel.gif" width="1" height="1">
    </body></html>
    """
    let text = HTMLTextConverter.convert(html).text
    #expect(text == """
    Sehr geehrte Damen & Herren,

    bitte prüfen: Auftrag „42“

    - eins
    - zwei

    1. a
    2. b

    Artikel | Menge
    Stuhl | 2
    """)
}

@Test func hiddenElementsAreReportedNotShown() {
    let c = HTMLTextConverter.convert("<div style=\"display: none\">Preheader Werbung</div><p>Frage?</p><span hidden>x</span>")
    #expect(c.text == "Frage?")
    #expect(c.hidden == ["Preheader Werbung", "x"])
    let r = EmailCleaner().clean(text: nil, html: "<div style=\"display:none\">Preheader</div><p>Frage?</p>")
    #expect(r.removed == [RemovedSpan(kind: .htmlHidden, text: "Preheader")])
    #expect(r.source == .html)
}

@Test func quoteContainersAreQuotes() {
    let gmail = "<div>Passt, danke!</div><div class=\"gmail_quote\"><div class=\"gmail_attr\">Am Mo., 4. März 2024 "
        + "um 10:00 schrieb Bob &lt;bob@x.de&gt;:</div><blockquote class=\"gmail_quote\">Termin am Freitag?</blockquote></div>"
    let r = EmailCleaner().clean(text: nil, html: gmail)
    #expect(r.text == "Passt, danke!")
    #expect(r.removed.map(\.kind) == [.quote])
    let outlook = "<p>Bitte Rückruf.</p><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> A"
        + "<br><b>Sent:</b> Monday</div><div>Alte Nachricht</div>"
    #expect(EmailCleaner().clean(text: nil, html: outlook).text == "Bitte Rückruf.")
    let apple = "Wie ist der Status?<blockquote type=\"cite\">Wir melden uns.</blockquote>"
    #expect(EmailCleaner().clean(text: nil, html: apple).text == "Wie ist der Status?")
}

@Test func bodyChoicePrefersPlainTextUnlessItIsAStubOrMarkup() {
    let long = "<p>" + String(repeating: "Ausführliche Beschreibung des Problems. ", count: 10) + "</p>"
    #expect(EmailCleaner().clean(text: "Bitte HTML ansehen", html: long).source == .html)
    #expect(EmailCleaner().clean(text: "Meine Frage zum Vertrag", html: "<p>Meine Frage zum Vertrag</p>").source == .text)
    #expect(EmailCleaner().clean(text: "<div>Hallo</div>", html: nil).source == .html)
    #expect(EmailCleaner().clean(text: "  ", html: nil).source == .none)
}
