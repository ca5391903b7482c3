// Result types of the email cleaner: the client's own text plus every removed span and why it went.

/// Why a span of an email was removed by ``EmailCleaner``.
///
/// Raw values are snake_case so they read well in JSONL output (`"kind": "forward_header"`).
public enum RemovedKind: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    /// Quoted history: an "On … wrote:" / "Am … schrieb …:" header and what follows, or `> ` lines.
    case quote
    /// A forwarded-message marker and its From/Date/Subject header block.
    case forwardHeader = "forward_header"
    /// The body of a forwarded message, removed because the forwarder wrote their own text above it.
    case forwardedMessage = "forwarded_message"
    /// A signature: `-- ` delimiter, or a closing ("Best regards", "Mit freundlichen Grüßen") and name/contact block.
    case signature
    /// A company legal footer: Impressum, Geschäftsführer, Handelsregister/HRB, USt-IdNr., Sitz der Gesellschaft.
    case legalFooter = "legal_footer"
    /// A confidentiality or environmental ("please consider the environment") disclaimer.
    case disclaimer
    /// A mobile "sent from" line ("Von meinem iPhone gesendet", "Sent from my Galaxy").
    case mobileFooter = "mobile_footer"
    /// Text inside hidden HTML elements (`display:none`, `hidden`), which the reader never saw.
    case htmlHidden = "html_hidden"
}

/// One removed part of an email, in the order it appeared.
public struct RemovedSpan: Sendable, Equatable, Hashable, Codable {
    /// Why the span was removed.
    public var kind: RemovedKind
    /// The removed text (normalised: LF line endings, NFC).
    public var text: String

    /// Creates a removed span.
    public init(kind: RemovedKind, text: String) {
        self.kind = kind
        self.text = text
    }
}

/// Which body ``EmailCleaner/clean(text:html:)`` used.
public enum CleanedSource: String, Sendable, Equatable, Codable {
    /// The text/plain body.
    case text
    /// The text/html body, converted to text.
    case html
    /// Neither body had content.
    case none
}

/// What ``EmailCleaner`` kept and what it removed.
public struct CleanResult: Sendable, Equatable {
    /// The client's own new text: no quotes, forward headers, signatures, footers or disclaimers.
    public var text: String
    /// Every removed span, in the order it appeared in the body.
    public var removed: [RemovedSpan]
    /// True when the input was longer than ``CleanerOptions/maxInputBytes`` and only its head was cleaned.
    public var inputTruncated: Bool
    /// Which body the text came from.
    public var source: CleanedSource

    /// Creates a result.
    public init(text: String, removed: [RemovedSpan], inputTruncated: Bool, source: CleanedSource) {
        self.text = text
        self.removed = removed
        self.inputTruncated = inputTruncated
        self.source = source
    }
}

/// Settings for ``EmailCleaner``.
public struct CleanerOptions: Sendable, Equatable {
    /// Bodies longer than this (UTF-8 bytes) are cut at a line break before cleaning, and the result says so.
    public var maxInputBytes: Int
    /// Remove signatures and closings with the name/contact block below them.
    public var removeSignatures: Bool
    /// Remove legal footers and disclaimers.
    public var removeFooters: Bool
    /// When the client forwarded a message without writing anything, keep the forwarded body as the text.
    public var keepForwardedBodyWhenAlone: Bool
    /// Clean only the first this many lines of the (normalised, HTML-converted) body and drop the rest, as
    /// talon's `MAX_LINES_COUNT` does (1,000 there); `nil` (the default) keeps every line. The result's
    /// `inputTruncated` says when lines were dropped.
    public var maxLines: Int?
    /// How `<li>` items of HTML bodies are written (see ``HTMLListMarkers``; peer emulation only).
    package var htmlListMarkers: HTMLListMarkers = .marked
    /// Which `<blockquote>` elements of HTML bodies are quoted history (see ``HTMLBlockquotes``; peer emulation
    /// only).
    package var htmlBlockquotes: HTMLBlockquotes = .all
    /// Extra quote headers of the caller's own mail system: the first unquoted line that matches one starts the
    /// quoted history (everything from it on is removed as a quote). Empty by default.
    public var customQuoteHeaders: [QuoteHeaderPattern]

    /// Creates options; the defaults suit classification (256 KiB cap, everything removed).
    public init(maxInputBytes: Int = 256 * 1024, removeSignatures: Bool = true, removeFooters: Bool = true,
                keepForwardedBodyWhenAlone: Bool = true, maxLines: Int? = nil,
                customQuoteHeaders: [QuoteHeaderPattern] = []) {
        self.maxInputBytes = maxInputBytes
        self.removeSignatures = removeSignatures
        self.removeFooters = removeFooters
        self.keepForwardedBodyWhenAlone = keepForwardedBodyWhenAlone
        self.maxLines = maxLines
        self.customQuoteHeaders = customQuoteHeaders
    }
}
