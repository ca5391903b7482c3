// Unit tests of the cleaner on small German and English e-mails written for these tests.
import Foundation
import Testing
@testable import MailroomCleaner

private let cleaner = EmailCleaner()

private func kinds(_ r: CleanResult) -> [RemovedKind] { r.removed.map(\.kind) }

@Test func germanReplyWithQuoteHeaderAndSignature() {
    let body = """
    Hallo Frau Weber,

    wann wird meine Bestellung 4711 geliefert?

    Mit freundlichen Grüßen
    Max Mustermann
    Tel. 030 123456

    Am 12.03.2024 um 10:15 schrieb Kundenservice <service@shop.de>:
    > Vielen Dank für Ihre Bestellung.
    > Ihr Team
    """
    let r = cleaner.clean(text: body, html: nil)
    #expect(r.text == "Hallo Frau Weber,\n\nwann wird meine Bestellung 4711 geliefert?")
    #expect(kinds(r) == [.quote, .signature])
    #expect(r.removed[0].text.hasPrefix("Am 12.03.2024"))
}

@Test func outlookGermanHeaderBlockIsQuote() {
    let body = """
    Bitte stornieren Sie den Auftrag.

    -----Ursprüngliche Nachricht-----
    Von: Service <service@firma.de>
    Gesendet: Montag, 4. März 2024 09:12
    An: Kunde <kunde@example.de>
    Betreff: Ihr Auftrag

    Guten Tag, Ihr Auftrag ist eingegangen.
    """
    let r = cleaner.clean(text: body, html: nil)
    #expect(r.text == "Bitte stornieren Sie den Auftrag.")
    #expect(kinds(r) == [.quote])
}

@Test func englishOutlookFromSentBlockWithoutRule() {
    let body = "Please cancel my subscription.\n\nFrom: Billing <billing@corp.com>\nSent: Monday, March 4, 2024 9:12 AM\n"
        + "To: Jane <jane@example.com>\nSubject: Your invoice\n\nDear Jane, your invoice is attached."
    let r = cleaner.clean(text: body, html: nil)
    #expect(r.text == "Please cancel my subscription.")
}

@Test func iPhoneLinesAreMobileFooters() {
    for line in ["Von meinem iPhone gesendet", "Sent from my Galaxy", "Gesendet von meinem Huawei-Smartphone"] {
        let r = cleaner.clean(text: "Ist das Paket schon unterwegs?\n\n\(line)", html: nil)
        #expect(r.text == "Ist das Paket schon unterwegs?")
        #expect(kinds(r) == [.mobileFooter], "\(line)")
    }
}

@Test func impressumFooterAndDisclaimerAreRemoved() {
    let body = """
    Guten Tag,

    die Rechnung 2024-17 ist doppelt abgebucht worden. Bitte erstatten Sie einen Betrag.

    Viele Grüße
    Anna Schmidt

    Musterfirma GmbH
    Musterstraße 1, 10115 Berlin
    Geschäftsführer: Erika Muster, Hans Beispiel
    Sitz der Gesellschaft: Berlin, Amtsgericht Charlottenburg HRB 123456
    USt-IdNr.: DE123456789

    Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind oder diese \
    E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.
    """
    let r = cleaner.clean(text: body, html: nil)
    #expect(r.text == "Guten Tag,\n\ndie Rechnung 2024-17 ist doppelt abgebucht worden. Bitte erstatten Sie einen Betrag.")
    #expect(kinds(r) == [.signature, .legalFooter, .disclaimer])
}

@Test func englishConfidentialityAndEnvironmentDisclaimers() {
    let body = """
    Hi, my login stopped working after the update. Can you reset it?

    Best regards,
    Tom

    CONFIDENTIALITY NOTICE: This e-mail and any attachments are confidential and intended solely for the \
    addressee. If you have received this e-mail in error, please notify the sender.

    Please consider the environment before printing this e-mail.
    """
    let r = cleaner.clean(text: body, html: nil)
    #expect(r.text == "Hi, my login stopped working after the update. Can you reset it?")
    #expect(kinds(r) == [.signature, .disclaimer, .disclaimer])
}

@Test func questionAfterGreetingAndClosingWordIsKept() {
    let r = cleaner.clean(text: "Viele Grüße vorab, wo bleibt meine Lieferung?\nDanke", html: nil)
    #expect(r.text == "Viele Grüße vorab, wo bleibt meine Lieferung?")
    let ps = cleaner.clean(text: "Hallo,\nalles gut.\n\nBeste Grüße\nJan\nPS: Kann ich auch per PayPal zahlen?", html: nil)
    #expect(ps.text.contains("PayPal"))
}

@Test func forwardedMessageKeepsCommentOrBody() {
    let fwd = """
    Können Sie mir hierzu helfen? Die Lieferung fehlt.

    ---------- Weitergeleitete Nachricht ---------
    Von: Shop <shop@example.de>
    Datum: Mo., 4. März 2024 um 09:12 Uhr
    Betreff: Versandbestätigung
    An: <kunde@example.de>

    Ihre Bestellung wurde versandt.
    """
    let r = cleaner.clean(text: fwd, html: nil)
    #expect(r.text == "Können Sie mir hierzu helfen? Die Lieferung fehlt.")
    #expect(kinds(r) == [.forwardHeader, .forwardedMessage])
    let alone = cleaner.clean(text: "Begin forwarded message:\n\nFrom: A <a@x.com>\nDate: 1 May 2024\nSubject: Hi\n\n"
                              + "Where is my refund?", html: nil)
    #expect(alone.text == "Where is my refund?")
    #expect(kinds(alone) == [.forwardHeader])
}

@Test func subjectPrefixTellsForwardFromReply() {
    let body = "From: A <a@x.com>\nSent: 1 May 2024\nTo: b@y.com\nSubject: Order\n\nOrder text"
    #expect(ForwardExtractor.parse(body, subject: "WG: Order") != nil)
    #expect(ForwardExtractor.parse("My note\n\n" + body, subject: "AW: Order") == nil)
}

@Test func quotedLinesAndInlineReplies() {
    let bottom = cleaner.clean(text: "Yes, please.\n\nOn Tue, 5 Mar 2024 at 10:00, Bob <bob@x.com> wrote:\n> Shall I ship?",
                               html: nil)
    #expect(bottom.text == "Yes, please.")
    let inline = "> Shall I ship?\nYes.\n> To which address?\nThe old one."
    #expect(cleaner.clean(text: inline, html: nil).text == inline)
}

@Test func unicodeIsNormalised() {
    let text = "Gru\u{0308}ße\u{00A0}aus\u{200B} Köln\r\nZeile\u{202E}2\rZeile 3"
    #expect(TextNormalizer.normalize(text) == "Grüße aus Köln\nZeile2\nZeile 3")
}

@Test func inputCapCutsAtLineBreakAndSaysSo() {
    let small = EmailCleaner(options: CleanerOptions(maxInputBytes: 40))
    let r = small.clean(text: String(repeating: "Zeile mit Text\n", count: 10), html: nil)
    #expect(r.inputTruncated)
    #expect(r.text == "Zeile mit Text\nZeile mit Text")
    #expect(!cleaner.clean(text: "kurz", html: nil).inputTruncated)
}

@Test func removedSpansEncodeSnakeCaseKinds() throws {
    let data = try JSONEncoder().encode(RemovedSpan(kind: .forwardHeader, text: "x"))
    #expect(String(decoding: data, as: UTF8.self).contains("\"forward_header\""))
    #expect(RemovedKind.allCases.map(\.rawValue).contains("legal_footer"))
}

@Test func commentBelowAQuotedForwardIsKept() {
    let body = """
    > Anfang der weitergeleiteten Nachricht:
    >
    > Von: Shop <shop@example.de>
    > Betreff: Rechnung
    > Datum: 4. März 2024 um 09:12:00 MEZ
    >
    > Ihre Rechnung liegt bei.

    Warum ist der Betrag höher als im Angebot?
    """
    let r = cleaner.clean(text: body, html: nil)
    #expect(r.text == "Ihre Rechnung liegt bei.\n\nWarum ist der Betrag höher als im Angebot?")
    let f = ForwardExtractor.parse(TextNormalizer.normalize(body))
    #expect(f?.commentBelow == "Warum ist der Betrag höher als im Angebot?")
    #expect(f?.subject == "Rechnung")
}

@Test func signatureRulesSelectWhatCounts() {
    let text = "Can you check it?\n\nThanks!\n-Bob"
    #expect(SignatureDetector.split(text).body == "Can you check it?")
    #expect(SignatureDetector.split(text, rules: .dashNames).body == "Can you check it?\n\nThanks!")
    #expect(SignatureDetector.split(text, rules: .delimitersOnly).body == text)
    #expect(SignatureDetector.split("Kurze Frage: geht das?\n\nVon meinem iPhone gesendet\n\n> alter Text").body
            == "Kurze Frage: geht das?")
}
