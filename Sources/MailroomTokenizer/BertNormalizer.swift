// BertNormalizer: the text clean-up BERT tokenizers run before splitting (HF tokenizers' `BertNormalizer`).
//
// Copies huggingface/tokenizers `tokenizers/src/normalizers/bert.rs` (v0.23): clean text, pad CJK characters
// with spaces, strip accents (NFD, drop Mn), lower-case, in that order. Works on Unicode scalars, as Rust's
// `char` does, never on Swift `Character`s (grapheme clusters would glue emoji sequences together).

/// The normalizer settings of a BERT-family tokenizer.
public struct BertNormalizer: Sendable, Equatable {
    /// Remove control characters and NUL/U+FFFD, map every whitespace to a space.
    public var cleanText: Bool
    /// Put spaces around CJK ideographs so each becomes its own word.
    public var handleChineseChars: Bool
    /// `nil` means "follow `lowercase`" (HF's default).
    public var stripAccents: Bool?
    public var lowercase: Bool

    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool) {
        self.cleanText = cleanText; self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents; self.lowercase = lowercase
    }

    /// Normalises `scalars` (the text as Unicode scalars) in place.
    public func normalize(_ scalars: inout [Unicode.Scalar]) {
        if cleanText {
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(scalars.count)
            for c in scalars {
                if c.value == 0 || c.value == 0xFFFD || BertNormalizer.isControl(c) { continue }
                out.append(BertNormalizer.isWhitespace(c) ? " " : c)
            }
            scalars = out
        }
        if handleChineseChars, scalars.contains(where: BertNormalizer.isChineseChar) {
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(scalars.count + 16)
            for c in scalars {
                if BertNormalizer.isChineseChar(c) { out.append(" "); out.append(c); out.append(" ") } else { out.append(c) }
            }
            scalars = out
        }
        if stripAccents ?? lowercase {
            // NFD, then drop nonspacing marks (category Mn).
            let decomposed = String(String.UnicodeScalarView(scalars)).decomposedStringWithCanonicalMapping
            scalars = decomposed.unicodeScalars.filter { $0.properties.generalCategory != .nonspacingMark }
        }
        if lowercase, scalars.contains(where: { $0.properties.changesWhenLowercased }) {
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(scalars.count)
            for c in scalars {
                // Per scalar, like Rust's `char::to_lowercase` (no context-dependent final sigma).
                if c.properties.changesWhenLowercased {
                    out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
                } else {
                    out.append(c)
                }
            }
            scalars = out
        }
    }

    /// `\t`, `\n`, `\r` and every scalar with the Unicode White_Space property (Rust `char::is_whitespace`).
    @inline(__always) public static func isWhitespace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x20, 0x09, 0x0A, 0x0D: return true
        case 0..<0x80: return false
        default: return c.properties.isWhitespace
        }
    }

    /// Categories Cc, Cf and Co except `\t`, `\n`, `\r` (HF's `is_control`, via `unicode_categories::is_other`,
    /// which leaves unassigned scalars alone, unlike the slow Python tokenizer).
    @inline(__always) public static func isControl(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x20..<0x7F: return false
        default:
            switch c.properties.generalCategory {
            case .control, .format, .privateUse: return true
            default: return false
            }
        }
    }

    /// The CJK Unified Ideographs blocks BERT treats as single-character words.
    @inline(__always) public static func isChineseChar(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }

    /// ASCII punctuation or any Unicode P* category (HF's `is_bert_punc`).
    @inline(__always) public static func isPunctuation(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 33...47, 58...64, 91...96, 123...126: return true
        case 0..<0x80: return false
        default:
            switch c.properties.generalCategory {
            case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation,
                 .initialPunctuation, .otherPunctuation, .openPunctuation: return true
            default: return false
            }
        }
    }
}
