// Unit tests of single cleaner rules: wrapped intros, quoted-printable leftovers, inline-quote policies, options.
import Testing
@testable import MailroomCleaner
@testable import MailroomCleanerFixtures

@Test func quotedPrintableLeftoversAreDecodedOnlyWhenEveryEqualsSignIsQP() {
    let qp = "On Mon, Jun 3, 2024 at 12:53=E2=80=AFAM Cody <c@x.com> w=\nrote:"
    #expect(TextNormalizer.normalize(qp) == "On Mon, Jun 3, 2024 at 12:53 AM Cody <c@x.com> wrote:")
    // A literal "=" that is not an escape means the text is not quoted-printable.
    let plain = "Set a=1 and b=\nnext line =E2"
    #expect(TextNormalizer.normalize(plain) == plain)
}

@Test func introWrappedAfterTheVerbIsRecognised() {
    let text = "Bedankt.\n\nOp 12 december 2016 19:05 schreef Company Questions <\nquestions@company.com>:\n\n"
        + "> Beste klant,\n> uw vraag is beantwoord:\n> \"In efficitur augue ac tristique ullamcorper. Aenean tincidunt diam,\n"
        + "eget accumsan est viverra quis.\"\n>"
    let r = ReplyExtractor.split(text)
    #expect(r.visible == "Bedankt.\n")
    #expect(r.removed.first?.text.hasPrefix("Op 12 december") == true)
}

@Test func turkishForwardMarkerWithDottedCapitalI() {
    let text = "   ----- İletilmiş Mesaj ----- Kimden: John <john@acme.com>Konu: Test\n Body of the message."
    let f = ForwardExtractor.parse(TextNormalizer.normalize(text))
    #expect(f != nil)
    #expect(f?.comment == "")
}

@Test func unescapedAddressInHTMLStaysText() {
    let html = "<div>On Sep 4, 2025, Jane Roe <jane@example.com> wrote:</div><b>bold</b>"
    let text = HTMLTextConverter.convert(html).text
    #expect(text.contains("Jane Roe <jane@example.com> wrote:"))
    #expect(text.contains("bold") && !text.contains("<b>"))
}

@Test func introAndQuoteContainerAloneAreHistory() {
    let html = "On Thu, Dec 18, 2014 at 10:02 AM, foo &lt;foo@example.com&gt; wrote:<blockquote>some stuff</blockquote>"
    let text = TextNormalizer.normalize(HTMLTextConverter.convert(html).text)
    let r = ReplyExtractor.split(text, trustQuoteMarks: true)
    #expect(r.above.isEmpty)
    #expect(r.quotedBody == "some stuff")
    // Without an intro, a message wrapped whole in a quote container is not history.
    let wrapped = TextNormalizer.normalize(HTMLTextConverter.convert("<blockquote>Please call me.</blockquote>").text)
    #expect(ReplyExtractor.split(wrapped, trustQuoteMarks: true).removed.isEmpty)
    // The cleaner keeps the quoted message when nothing was written above it (like a forward without comment).
    #expect(EmailCleaner().clean(text: nil, html: html).text == "some stuff")
}

@Test func headerBlocksCountAsForwardsOnlyWhenAsked() {
    let text = "Please see below.\n\n-----Original Message-----\nFrom: Bob <bob@x.com>\nSent: Monday\nTo: Ann\n"
        + "Subject: Report\n\nThe report."
    #expect(ForwardExtractor.parse(text) == nil)
    let f = ForwardExtractor.parse(text, headerBlocksAreForwards: true)
    #expect(f?.comment == "Please see below.")
    #expect(f?.body == "The report.")
    #expect(ForwardExtractor.parse(text, subject: "Re: Report", headerBlocksAreForwards: true) == nil)
}

@Test func inlineQuotePoliciesKeepOrRemoveQuotedBlocks() {
    let text = "On Tue, Apr 29, 2014 at 4:22 PM, Bob <bob@x.com> wrote:\n> first\n> question\n> here\n\nMy answer.\n\n"
        + "> later\n> lines\n\n--\nAnn"
    let keep = ReplyExtractor.split(text)
    #expect(keep.removed.isEmpty)
    let trailing = ReplyExtractor.split(text, inlineQuotes: .removeTrailing)
    #expect(trailing.visible.contains("> first") && !trailing.visible.contains("> later"))
    #expect(trailing.visible.contains("My answer.") && trailing.visible.contains("--\nAnn"))
    let all = ReplyExtractor.split(text, inlineQuotes: .removeAll)
    #expect(!all.visible.contains(">") && !all.visible.contains("wrote:"))
    #expect(all.visible.contains("My answer."))
    #expect(all.removed.count == 2)
    // The trailing block stays when text other than a signature follows it.
    let answered = text.replacingOccurrences(of: "--\nAnn", with: "And more.")
    #expect(ReplyExtractor.split(answered, inlineQuotes: .removeTrailing).removed.isEmpty)
}

@Test func signOffRulesTakeRegardsButNotThanks() {
    let regards = SignatureDetector.split("Hi,\n\nCan you help?\n\nRegards,\n\nJohn Doe", rules: .signOffs)
    #expect(regards.signature.hasPrefix("Regards,"))
    #expect(SignatureDetector.split("Hi,\n\nDone.\n\nThanks!\n\nJohn", rules: .signOffs).signature.isEmpty)
    #expect(SignatureDetector.split("Hi,\n\nDone.\n\nBien cordialement,\nJean", rules: .signOffs).signature
        == "Bien cordialement,\nJean")
}

@Test func proseBelowANameIsNotASignature() {
    let text = "Blah\n\nBob,\nIf there are more than\n2 non signature lines in the end\nIt's not signature"
    #expect(SignatureDetector.split(text, sender: "Bob").signature.isEmpty)
    #expect(SignatureDetector.split("Blah\n\nBob\nAcme Inc.\n555-1234", sender: "Bob").signature.hasPrefix("Bob"))
}

@Test func nameLineAboveTheSendersCompanyJoinsTheSignature() {
    let text = "Hi Mary,\n\nWould you like more?\n\nJohn Smith\nDoe Inc\n555-531-7967"
    #expect(SignatureDetector.split(text, sender: "Doe").signature == "John Smith\nDoe Inc\n555-531-7967")
    // Only a name directly above (no blank line) joins, and only a name: a sentence stays text.
    #expect(SignatureDetector.split("Hi,\n\nJohn Smith\n\nDoe Inc\n555-531-7967", sender: "Doe").signature
        == "Doe Inc\n555-531-7967")
    #expect(SignatureDetector.split("Hi,\n\nPlease call me\nDoe Inc\n555-531-7967", sender: "Doe").signature
        == "Doe Inc\n555-531-7967")
}

@Test func talonFromBlockCutRemovesTheDivAroundAHeaderBlock() throws {
    let html = "<html><body><div>Hi<div>there</div><div>Bob<hr><b>From: </b>bob@example.com<br>"
        + "<b>Subject: </b>Hello<br><p>Hello</p></div></div></body></html>"
    let cut = try #require(PeerFixtureEvaluator.talonFromBlockCut(html))
    let text = HTMLTextConverter.convert(cut).text
    #expect(text.contains("there") && !text.contains("Bob") && !text.contains("From:"))
    // A header block in the body's only div is not cut (it would remove everything).
    #expect(PeerFixtureEvaluator.talonFromBlockCut("<body><div>Hi<br><b>From: </b>x</div></body>") == nil)
    #expect(PeerFixtureEvaluator.talonFromBlockCut("<div>No header here</div>") == nil)
}
