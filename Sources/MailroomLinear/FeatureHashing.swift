// FeatureHashing: turns a text into signed hashed word and character n-gram counts (no vocabulary needed).
import Foundation
import MailroomCore

/// The feature settings a linear model was trained with; stored in config.json under `linear`.
public struct FeatureParameters: Codable, Sendable, Equatable {
    public var buckets: Int
    public var wordNGramMin: Int
    public var wordNGramMax: Int
    public var charNGramMin: Int
    public var charNGramMax: Int
    public var minDocumentFrequency: Int
    /// Always true for now: tf = 1 + ln(count).
    public var sublinearTF: Bool
    /// Always true for now: text is lowercased before hashing.
    public var lowercase: Bool
    /// Also hash the words of the first line (the subject, when there is one) as their own feature group.
    public var firstLineWords: Bool
    /// Length of the first-line group's vector (the word and character groups have length 1).
    public var firstLineWeight: Double
    /// The email's structured fields hashed as one-hot `name=value` features (``ModelInput/fieldNames``; an absent
    /// field is the value `none`); empty for models trained on text alone.
    public var fields: [String]
    /// Length of the fields group's vector.
    public var fieldWeight: Double

    enum CodingKeys: String, CodingKey {
        case buckets
        case wordNGramMin = "word_ngram_min", wordNGramMax = "word_ngram_max"
        case charNGramMin = "char_ngram_min", charNGramMax = "char_ngram_max"
        case minDocumentFrequency = "min_df"
        case sublinearTF = "sublinear_tf", lowercase
        case firstLineWords = "first_line_words", firstLineWeight = "first_line_weight"
        case fields, fieldWeight = "field_weight"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        buckets = try c.decode(Int.self, forKey: .buckets)
        wordNGramMin = try c.decode(Int.self, forKey: .wordNGramMin)
        wordNGramMax = try c.decode(Int.self, forKey: .wordNGramMax)
        charNGramMin = try c.decode(Int.self, forKey: .charNGramMin)
        charNGramMax = try c.decode(Int.self, forKey: .charNGramMax)
        minDocumentFrequency = try c.decode(Int.self, forKey: .minDocumentFrequency)
        sublinearTF = try c.decodeIfPresent(Bool.self, forKey: .sublinearTF) ?? true
        lowercase = try c.decodeIfPresent(Bool.self, forKey: .lowercase) ?? true
        firstLineWords = try c.decodeIfPresent(Bool.self, forKey: .firstLineWords) ?? false
        firstLineWeight = try c.decodeIfPresent(Double.self, forKey: .firstLineWeight) ?? 1
        fields = try c.decodeIfPresent([String].self, forKey: .fields) ?? []
        fieldWeight = try c.decodeIfPresent(Double.self, forKey: .fieldWeight) ?? 1
    }

    public init(options: LinearTrainingOptions) {
        buckets = options.buckets
        wordNGramMin = options.wordNGrams.lowerBound; wordNGramMax = options.wordNGrams.upperBound
        charNGramMin = options.charNGrams.lowerBound; charNGramMax = options.charNGrams.upperBound
        minDocumentFrequency = options.minDocumentFrequency
        sublinearTF = true; lowercase = true
        firstLineWords = options.firstLineWords
        firstLineWeight = options.firstLineWeight
        fields = options.fields
        fieldWeight = options.fieldWeight
    }
}

/// Hashed n-gram counts of one text, per feature group. Buckets are unique and sorted within a group.
struct HashedCounts {
    /// Word n-grams: (bucket, signed count).
    var word: [(bucket: UInt32, count: Float)] = []
    /// Character n-grams: (bucket, signed count).
    var char: [(bucket: UInt32, count: Float)] = []
    /// Words and word pairs of the first line (empty unless ``FeatureParameters/firstLineWords``).
    var firstLine: [(bucket: UInt32, count: Float)] = []
    /// One hit per structured field, `name=value` (empty unless ``FeatureParameters/fields``).
    var fields: [(bucket: UInt32, count: Float)] = []

    var groups: [[(bucket: UInt32, count: Float)]] { [word, char, firstLine, fields] }
}

/// Signed feature hashing of word n-grams and word-bounded character n-grams.
///
/// Tokens follow scikit-learn's defaults: words are runs of two or more letters, digits or `_`;
/// character n-grams are taken inside each whitespace-separated token padded with one space each side.
struct FeatureHasher: Sendable {
    let parameters: FeatureParameters
    private let mask: UInt64

    init(parameters: FeatureParameters) {
        self.parameters = parameters
        mask = UInt64(parameters.buckets - 1)
    }

    /// SplitMix64 finaliser: spreads the bits of an FNV hash.
    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always) static func fnv(_ h: UInt64, _ scalar: UInt32) -> UInt64 {
        (h ^ UInt64(scalar)) &* 0x0000_0100_0000_01B3
    }

    static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325

    @inline(__always) static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 {
            return (v >= 97 && v <= 122) || (v >= 48 && v <= 57) || v == 95 || (v >= 65 && v <= 90)
        }
        return s.properties.isAlphabetic || s.properties.numericType != nil
    }

    @inline(__always) static func isSpace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 128 { return v == 32 || (v >= 9 && v <= 13) }
        return s.properties.isWhitespace
    }

    /// Appends a signed hit for hash `h` (salted with `salt`) to `out`.
    @inline(__always) private func emit(_ h: UInt64, salt: UInt64, into out: inout [UInt64]) {
        let z = FeatureHasher.mix(h ^ salt)
        // Low bits pick the bucket, the top bit the sign: key = bucket << 1 | negative.
        out.append(((z & mask) << 1) | (z >> 63))
    }

    /// The hashed n-gram counts of the input's text and, when the model reads fields, one hit per field.
    func counts(_ input: ModelInput) -> HashedCounts {
        var c = counts(input.text)
        guard !parameters.fields.isEmpty else { return c }
        var keys = fieldKeys(input).map(\.key)
        c.fields = FeatureHasher.accumulate(&keys)
        return c
    }

    /// One signed key per structured field the model reads, with its feature name `name=value`.
    func fieldKeys(_ input: ModelInput) -> [(name: String, key: UInt64)] {
        var keys: [UInt64] = []
        return parameters.fields.enumerated().map { i, name in
            let feature = "\(name)=\(input.field(name))"
            var h = FeatureHasher.fnvOffset
            for scalar in feature.unicodeScalars { h = FeatureHasher.fnv(h, scalar.value) }
            keys.removeAll(keepingCapacity: true)
            emit(h, salt: 0x4649_454C_4400_0000 &+ UInt64(i), into: &keys)
            return (feature, keys[0])
        }
    }

    /// The hashed n-gram counts of `text`.
    func counts(_ text: String) -> HashedCounts {
        let scalars = Array((parameters.lowercase ? text.lowercased() : text).unicodeScalars)
        var wordKeys: [UInt64] = []
        var charKeys: [UInt64] = []
        wordKeys.reserveCapacity(scalars.count / 2)
        charKeys.reserveCapacity(scalars.count * 4)

        // Word n-grams and the first line's words and pairs.
        let words = wordTokens(scalars)
        var firstLineKeys: [UInt64] = []
        for k in self.wordKeys(words.hashes, firstLine: words.firstLine) {
            if k.firstLine { firstLineKeys.append(k.key) } else { wordKeys.append(k.key) }
        }

        // Character n-grams inside " token ".
        var padded: [UInt32] = []
        var i = 0
        while i < scalars.count {
            guard !FeatureHasher.isSpace(scalars[i]) else { i += 1; continue }
            padded.removeAll(keepingCapacity: true)
            padded.append(32)
            while i < scalars.count && !FeatureHasher.isSpace(scalars[i]) { padded.append(scalars[i].value); i += 1 }
            padded.append(32)
            let len = padded.count, nMin = parameters.charNGramMin, nMax = parameters.charNGramMax
            // Up to nMax reads per scalar: through an unsafe buffer and with wrapping index arithmetic, since a bounds
            // and an overflow check on each cost under -O (callgrind: counts() +27 % instructions); s + n < len.
            padded.withUnsafeBufferPointer { padded in
                for s in 0..<len {
                    var h = FeatureHasher.fnvOffset
                    let top = min(nMax, len - s)  // the n-grams starting at s: at most nMax scalars, inside the token
                    var n = 0
                    while n < top {
                        h = FeatureHasher.fnv(h, padded[s &+ n]); n &+= 1
                        if n >= nMin { emit(h, salt: 0x4348_4152_0000_0000 &+ UInt64(n), into: &charKeys) }
                    }
                }
            }
        }
        return HashedCounts(word: FeatureHasher.accumulate(&wordKeys), char: FeatureHasher.accumulate(&charKeys),
                            firstLine: FeatureHasher.accumulate(&firstLineKeys))
    }

    /// Word tokens: runs of two or more word scalars, each token's hash and scalar range; `firstLine`: how many
    /// tokens come before the first newline.
    func wordTokens(_ scalars: [Unicode.Scalar]) -> (hashes: [UInt64], ranges: [Range<Int>], firstLine: Int) {
        var hashes: [UInt64] = [], ranges: [Range<Int>] = []
        var firstLine: Int?
        var i = 0
        while i < scalars.count {
            if firstLine == nil && scalars[i].value == 10 { firstLine = hashes.count }
            guard FeatureHasher.isWordScalar(scalars[i]) else { i += 1; continue }
            var h = FeatureHasher.fnvOffset
            let start = i
            while i < scalars.count && FeatureHasher.isWordScalar(scalars[i]) {
                h = FeatureHasher.fnv(h, scalars[i].value); i += 1
            }
            if i - start >= 2 { hashes.append(FeatureHasher.mix(h)); ranges.append(start..<i) }
        }
        return (hashes, ranges, firstLine ?? hashes.count)
    }

    /// The signed keys of the word n-grams (tokens `start ..< start + n`) and, with ``FeatureParameters/firstLineWords``,
    /// of the first line's words and word pairs (`firstLine` true): the one place these hashes are made.
    func wordKeys(_ tokens: [UInt64], firstLine: Int) -> [(key: UInt64, start: Int, n: Int, firstLine: Bool)] {
        var out: [(key: UInt64, start: Int, n: Int, firstLine: Bool)] = []
        var one: [UInt64] = []
        func add(_ h: UInt64, salt: UInt64, start: Int, n: Int, first: Bool) {
            one.removeAll(keepingCapacity: true)
            emit(h, salt: salt, into: &one)
            out.append((one[0], start, n, first))
        }
        for n in parameters.wordNGramMin...parameters.wordNGramMax where tokens.count >= n {
            let salt = 0x5752_4400_0000_0000 &+ UInt64(n)
            for s in 0...(tokens.count - n) {
                var h = tokens[s]
                for t in 1..<n { h = FeatureHasher.mix(h &* 31 ^ tokens[s + t]) }
                add(h, salt: salt, start: s, n: n, first: false)
            }
        }
        if parameters.firstLineWords {
            for s in 0..<firstLine {
                add(tokens[s], salt: 0x4649_5253_5400_0001, start: s, n: 1, first: true)
                if s + 1 < firstLine { add(FeatureHasher.mix(tokens[s] &* 31 ^ tokens[s + 1]), salt: 0x4649_5253_5400_0002, start: s, n: 2, first: true) }
            }
        }
        return out
    }

    /// Every named feature of `input` and its hashing bucket: word n-grams as their words (`depot übertragen`), the
    /// first line's as `subject: …`, fields as `custodian_bank=…`. Character n-grams are not named.
    func namedFeatures(_ input: ModelInput) -> [(name: String, bucket: UInt32)] {
        let scalars = Array((parameters.lowercase ? input.text.lowercased() : input.text).unicodeScalars)
        let words = wordTokens(scalars)
        func word(_ t: Int) -> String { String(String.UnicodeScalarView(scalars[words.ranges[t]])) }
        var out = wordKeys(words.hashes, firstLine: words.firstLine).map { k in
            let name = (k.start ..< k.start + k.n).map(word).joined(separator: " ")
            return (name: k.firstLine ? "first line: " + name : name, bucket: UInt32(truncatingIfNeeded: k.key >> 1))
        }
        for f in fieldKeys(input) { out.append((f.name, UInt32(truncatingIfNeeded: f.key >> 1))) }
        return out
    }

    /// Sorts keys and sums the signed hits per bucket; drops buckets whose hits cancel out.
    private static func accumulate(_ keys: inout [UInt64]) -> [(bucket: UInt32, count: Float)] {
        keys.sort()
        var out: [(bucket: UInt32, count: Float)] = []
        // One pass over every hit: an unsafe buffer (k < keys.count bounds each read), no bounds check per hit.
        keys.withUnsafeBufferPointer { keys in
            var k = 0
            while k < keys.count {
                let bucket = keys[k] >> 1
                var c: Float = 0
                while k < keys.count && keys[k] >> 1 == bucket {
                    c += (keys[k] & 1) == 1 ? -1 : 1; k += 1
                }
                if c != 0 { out.append((UInt32(truncatingIfNeeded: bucket), c)) }
            }
        }
        return out
    }
}
