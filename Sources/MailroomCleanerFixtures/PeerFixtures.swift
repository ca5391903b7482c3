// Runs the cleaner on the peers' converted test cases (../shared/email-fixtures) with each kind's semantics.
import MailroomCleaner
import Foundation

/// One case of `email-fixtures/cases.jsonl` (the fields the checks use).
public struct PeerFixtureCase: Sendable, Decodable {
    /// Peer repository ("mailgun/talon").
    public var source: String
    /// Test name in the peer's suite.
    public var `case`: String
    /// Language of the quote/forward header (heuristic; see the fixtures README).
    public var language: String
    /// "reply", "signature" or "forward".
    public var kind: String
    /// "text" or "html".
    public var format: String
    /// The e-mail body, byte-exact from the peer's fixture.
    public var input: String
    /// "asserted", "derived" or "partial".
    public var strength: String
    /// How the peer compares ("exact", "strip", "whitespace_insensitive", "exact_html", "contains").
    public var compare: String?
    /// The text to keep (for forwards: the forwarder's text above the forwarded block).
    public var expectedVisible: String?
    /// The removed part (quoted history or signature), when the peer's test gives it.
    public var expectedRemoved: String?
    /// Partial expectations (prefix / contains / not-contains of the kept or removed text).
    public var expectedVisiblePrefix: String?
    public var expectedContains: [String]?
    public var expectedNotContains: [String]?
    public var expectedRemovedContains: [String]?
    public var expectedRemovedNotContains: [String]?
    public var expectedRemovedPrefix: String?
    /// Whether the forward parser must report a forward.
    public var forwarded: Bool?
    /// The subject the forward parser was given, if any.
    public var inputSubject: String?
    /// The sender talon's signature extraction was given, if any.
    public var sender: String?
    /// How the case was converted, including the peer call and mode (e.g. `quote_intro_line=True`).
    public var notes: String?
    /// The hidden HTML parts quotequail's `quote_html` returned ("" when it hid nothing).
    public var expectedRemovedHTML: String?
    /// The peer's own visible output (reference only, never an expectation; see the fixtures README).
    public var peerOutputVisible: String?
    /// Non-default peer configuration the test used.
    public var peerOptions: PeerOptions?
    /// talon's HTML tests: the asserted output HTML with all whitespace removed (`expected_visible` is that HTML
    /// rendered by talon's own html_to_text).
    public var expectedHTMLWithoutWhitespace: String?

    /// The non-default peer configuration a test used (`peer_options`).
    public struct PeerOptions: Sendable, Decodable {
        /// willdurand: a quote-header regex the test adds to the parser's list.
        public var extraQuoteHeaderRegex: String?
        /// alfonsrv: the languages the test passes.
        public var languages: [String]?

        enum CodingKeys: String, CodingKey {
            case extraQuoteHeaderRegex = "extra_quote_header_regex", languages
        }
    }

    /// quotequail's `quote`/`quote_html` keep the "On … wrote:" intro visible unless called with
    /// `quote_intro_line=True`; the fixtures record the mode the test used in `notes` ("default mode").
    public var keepsQuoteIntroVisible: Bool {
        source == "closeio/quotequail" && (notes ?? "").contains("default mode")
            && !(notes ?? "").contains("quote_intro_line=True")
    }

    enum CodingKeys: String, CodingKey {
        case source, `case`, language, kind, format, input, strength, compare, forwarded
        case expectedVisible = "expected_visible", expectedRemoved = "expected_removed"
        case expectedVisiblePrefix = "expected_visible_prefix", expectedContains = "expected_contains"
        case expectedNotContains = "expected_not_contains", expectedRemovedContains = "expected_removed_contains"
        case expectedRemovedNotContains = "expected_removed_not_contains"
        case expectedRemovedPrefix = "expected_removed_prefix", inputSubject = "input_subject", sender, notes
        case expectedRemovedHTML = "expected_removed_html", peerOutputVisible = "peer_output_visible"
        case peerOptions = "peer_options", expectedHTMLWithoutWhitespace = "expected_html_nows"
    }

    /// Reads every case of a `cases.jsonl` file.
    public static func load(_ url: URL) throws -> [PeerFixtureCase] {
        let data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(PeerFixtureCase.self, from: $0) }
    }
}

/// Which part of the cleaner a peer's expectation describes.
public enum PeerSemantics: String, Sendable {
    /// Quoted history removed, signature kept (talon `extract_from_plain`/`_html`, quotequail `quote`).
    case reply
    /// Quoted history and signature removed (github/zapier/willdurand/crisp visible text, alfonsrv body).
    case replyWithoutSignature
    /// The signature removed from a message without quotes (talon signature extraction).
    case signature
    /// The forwarder's comment above a forwarded message (crisp forward parser, quotequail unwrap).
    case forward

    /// The semantics of a case, from its kind and source (see the fixtures README).
    public static func of(_ c: PeerFixtureCase) -> PeerSemantics {
        switch c.kind {
        case "forward": return .forward
        case "signature": return c.source == "mailgun/talon" ? .signature : .replyWithoutSignature
        default:
            return c.source == "mailgun/talon" || c.source == "closeio/quotequail" ? .reply : .replyWithoutSignature
        }
    }
}

/// What the cleaner produced for one case, and whether it meets the case's expectations.
public struct PeerFixtureOutcome: Sendable {
    /// Whether every expectation held.
    public var passed: Bool
    /// The text the cleaner kept under the case's semantics.
    public var visible: String
    /// The text it removed.
    public var removed: String
    /// The first expectation that failed ("visible", "removed", "contains …", "forwarded").
    public var failure: String?
}

/// Evaluates peer cases; comparisons ignore line-ending style, trailing spaces on each line and blank lines
/// at either end (the peers differ on those), and `whitespace_insensitive` cases ignore all whitespace.
public enum PeerFixtureEvaluator {
    /// Produces the cleaner's visible text and removed text for a case under its semantics.
    public static func run(_ c: PeerFixtureCase) -> (visible: String, removed: String, forwarded: Bool) {
        let r = runWithWhole(c)
        return (r.visible, r.removed, r.forwarded)
    }

    /// Like ``run(_:)``, plus all the text the cleaner keeps (`whole`): quotequail's `text_top` is only the part
    /// above the quote or forward, while its `text_bottom` (text below) is checked with `expected_contains`.
    static func runWithWhole(_ c: PeerFixtureCase) -> (visible: String, removed: String, forwarded: Bool, whole: String) {
        let quotequail = c.source == "closeio/quotequail"
        var text = TextNormalizer.normalize(c.input)
        if c.format == "html" {
            // quotequail's expected text is lxml's `text_content()`, which writes no list markers.
            let markers: HTMLListMarkers = quotequail ? .none : .marked
            // talon's HTML path cuts only the last top-level blockquote (not gmail_quote) as history.
            let blockquotes: HTMLBlockquotes = c.source == "mailgun/talon" ? .lastTopLevel : .all
            // talon cuts the div around a "From:" block when none of its quote containers is there.
            var html = c.input
            if c.source == "mailgun/talon", !hasTalonQuoteContainer(html), let cut = talonFromBlockCut(html) {
                html = cut
            }
            text = TextNormalizer.normalize(HTMLTextConverter.convert(html, listMarkers: markers,
                                                                      blockquotes: blockquotes).text)
        }
        if let maxLines = c.patchedMaxLines { text = TextNormalizer.truncate(text, maxLines: maxLines).text }
        switch PeerSemantics.of(c) {
        case .forward:
            // Both forward peers unwrap Outlook header blocks and "Original Message" separators as forwards.
            guard let f = ForwardExtractor.parse(text, subject: c.inputSubject, headerBlocksAreForwards: true) else {
                return (text, "", false, text)
            }
            let whole = [f.comment, f.commentBelow].filter { !$0.isEmpty }.joined(separator: "\n\n")
            // In quotequail's default mode the forward's intro ("Begin forwarded message:") stays visible too.
            let top = c.keepsQuoteIntroVisible ? [f.comment, f.header].filter { !$0.isEmpty }.joined(separator: "\n")
                : f.comment
            return (quotequail ? top : whole, f.header + "\n" + f.body, true, whole)
        case .signature:
            let s = SignatureDetector.split(text, sender: c.sender)
            return (s.body, s.signature, false, s.body)
        case .reply:
            let r = ReplyExtractor.split(text, trustQuoteMarks: c.format == "html")
            let visible = c.format == "html" ? unquoteHTMLLines(r.visible) : r.visible
            // quotequail's unwrap reports the quoted message itself (no intro line, no quote marks).
            let unwrap = quotequail && c.case.contains("unwrap")
            let removed = unwrap && !r.removed.isEmpty ? r.quotedBody : r.removed.map(\.text).joined(separator: "\n")
            var above = r.above
            if c.keepsQuoteIntroVisible && !r.intro.isEmpty { above += "\n" + r.intro }
            if c.format == "html" { above = unquoteHTMLLines(above) }
            return (quotequail ? above : visible, removed, false, visible)
        case .replyWithoutSignature:
            if c.source == "alfonsrv/mail-parser-reply" { text = withoutLeadingHeaderBlock(text) }
            // willdurand: a test's extra quote header starts a quoted fragment that the parser writes on one line.
            var customQuote: String? = nil
            if c.source == "willdurand/EmailReplyParser", let regex = c.peerOptions?.extraQuoteHeaderRegex,
               let header = WilldurandQuoteHeader(regex: regex),
               let cut = QuoteHeaderPattern.cut(text, patterns: [header.pattern]) {
                text = cut.above
                customQuote = header.runsToEnd ? foldedLine(cut.quote) : cut.quote
            }
            let r = ReplyExtractor.split(text, trustQuoteMarks: c.format == "html",
                                         inlineQuotes: inlineQuotes(c.source))
            if c.source == "zapier/email-reply-parser" || c.source == "willdurand/EmailReplyParser" {
                // zapier's reply and willdurand's visible text are the kept fragments, each stripped, joined
                // with "\n".
                let s = SignatureDetector.split(strippedParts(r), rules: signatureRules(c.source))
                var quotes = r.removed.map(\.text)
                if c.source == "willdurand/EmailReplyParser" {
                    // willdurand writes a quote header that spans several lines on one line, lists its hidden
                    // fragments in message order, and keeps at most one blank line at the end of each.
                    if r.removed.count == 1 { quotes = [foldedIntro(r)] }
                    var folded = r
                    folded.removed = zip(r.removed, quotes).map { RemovedSpan(kind: $0.0.kind, text: $0.1) }
                    let signature = SignatureDetector.split(r.visible, rules: signatureRules(c.source))
                    let ordered = removedInOrder(folded, signature, blankLinesAfterPiece: 1)
                    let all = [ordered, customQuote ?? ""].filter { !$0.isEmpty }.joined(separator: "\n")
                    return (s.body, all, false, s.body)
                }
                // zapier starts a new fragment at each signature line after a blank line, and strips each one.
                let signature = c.source == "zapier/email-reply-parser" ? zapierFragments(s.signature) : s.signature
                let removed = [signature] + quotes
                return (s.body, removed.filter { !$0.isEmpty }.joined(separator: "\n"), false, s.body)
            }
            var s = SignatureDetector.split(r.visible, rules: signatureRules(c.source))
            if c.source == "alfonsrv/mail-parser-reply", s.signature.isEmpty, let kept = ruleAboveBottomHeader(r) {
                // alfonsrv's reply header starts at the From line; a short rule above it stays in the reply.
                s = SignatureSplit(body: kept.visible, signature: "", kind: .signature)
                return (s.body, removedInOrder(kept, s), false, s.body)
            }
            return (s.body, removedInOrder(r, s), false, s.body)
        }
    }

    /// Runs a case and checks every expectation it carries.
    public static func evaluate(_ c: PeerFixtureCase) -> PeerFixtureOutcome {
        let (visible, removed, forwarded, whole) = runWithWhole(c)
        var outcome = PeerFixtureOutcome(passed: true, visible: visible, removed: removed, failure: nil)
        let loose = c.compare == "whitespace_insensitive" || c.compare == "exact_html" || c.format == "html"
        func same(_ a: String, _ b: String) -> Bool {
            loose ? squeeze(a) == squeeze(b) : canonical(a) == canonical(b)
        }
        func fail(_ why: String) { if outcome.passed { outcome.passed = false; outcome.failure = why } }
        let isForward = c.kind == "forward"
        if isForward {
            // quotequail's quote_html asserts the hidden part; an empty one means it found nothing to unwrap.
            let expectForward = c.forwarded ?? (c.expectedRemovedHTML.map { !$0.isEmpty } ?? true)
            if expectForward != forwarded { fail("forwarded") }
        }
        if let v = c.expectedVisible, c.compare != "contains", !(isForward && !forwarded && c.forwarded == false) {
            // talon asserts HTML; its text is compared as rendered by this converter (as the input was), not by
            // talon's html_to_text, which writes links as "text (href)".
            let expected = c.expectedHTMLWithoutWhitespace.map { unquoteHTMLLines(HTMLTextConverter.convert($0).text) } ?? v
            if !same(visible, expected) { fail("visible") }
        }
        if let r = c.expectedRemoved, !isForward, c.compare != "contains" {
            if !same(removed, r) { fail("removed") }
        }
        let flatVisible = squeeze(whole)
        let flatRemoved = squeeze(removed)
        if let p = c.expectedVisiblePrefix, !flatVisible.hasPrefix(squeeze(p)) { fail("visible prefix") }
        for s in c.expectedContains ?? [] where !flatVisible.contains(squeeze(s)) { fail("contains") }
        for s in c.expectedNotContains ?? [] where flatVisible.contains(squeeze(s)) { fail("not contains") }
        for s in c.expectedRemovedContains ?? [] {
            // The removed text must not stand in the kept text, unless the peer's own output keeps it there too
            // (alfonsrv asserts `s in replies[1].body`; a greeting "Hej," above can repeat it): then the
            // removed text must hold it.
            let keptByPeer = c.peerOutputVisible.map { squeeze($0).contains(squeeze(s)) } ?? false
            if keptByPeer ? !flatRemoved.contains(squeeze(s)) : flatVisible.contains(squeeze(s)) {
                fail("removed contains")
            }
        }
        for s in c.expectedRemovedNotContains ?? [] where flatRemoved.contains(squeeze(s)) {
            fail("removed not contains")
        }
        if let p = c.expectedRemovedPrefix, !flatRemoved.hasPrefix(squeeze(p)) { fail("removed prefix") }
        return outcome
    }

    /// Drops the `> ` marks the HTML converter puts on blockquote lines (the peers render those as plain text).
    static func unquoteHTMLLines(_ s: String) -> String {
        LineScanner.lines(s).map { line -> Substring in
            var l = line
            while l.first == ">" || l.first == " " { l = l.dropFirst() }
            return l
        }.joined(separator: "\n")
    }

    /// Normalised text without trailing whitespace per line and without blank lines at either end.
    public static func canonical(_ s: String) -> String {
        var lines = LineScanner.lines(TextNormalizer.normalize(s)).map { line -> Substring in
            var l = line
            while l.last == " " || l.last == "\t" { l = l.dropLast() }
            return l
        }
        while let f = lines.first, f.isEmpty { lines.removeFirst() }
        while let l = lines.last, l.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n")
    }

    /// Normalised text with all whitespace removed.
    public static func squeeze(_ s: String) -> String {
        String(String.UnicodeScalarView(TextNormalizer.normalize(s).unicodeScalars.filter {
            !$0.properties.isWhitespace
        }))
    }
}
