// Seeded random and mutated e-mail inputs for fuzzing the cleaner (used by the fuzz test and the benchmark).
import MailroomCleaner
import MailroomCore

/// Fuzzing uses the project's seeded generator, so failures reproduce.
public typealias CleanerFuzzRandom = SeededGenerator

extension SeededGenerator {
    /// Fuzzing's seed argument name.
    public init(state: UInt64) { self.init(seed: state) }
    /// A number in 0..<n (n ≤ 0 gives 0).
    public mutating func below(_ n: Int) -> Int { int(below: max(1, n)) }
}

/// Pieces that steer random inputs into the scanners' interesting paths.
let fuzzTokens: [String] = [
    "\n", "\r\n", "\r", " ", "\t", ">", "> ", ">>", "--", "-- \n", "__________", "-----Original Message-----",
    "-----Ursprüngliche Nachricht-----", "On Tue, 5 Mar 2024, Bob <b@x.com> wrote:", "Am 12.03.2024 schrieb A <a@b.de>:",
    "Von: ", "From: ", "Gesendet: ", "Sent: ", "An: ", "Betreff: ", "Subject: ", "Date: ", "Mit freundlichen Grüßen",
    "Best regards,", "Sent from my iPhone", "Von meinem iPhone gesendet", "Impressum", "HRB 1234", "Geschäftsführer:",
    "confidential", "intended recipient", "<div>", "</div>", "<blockquote>", "</blockquote>", "<br>", "<p>", "<",
    "&amp;", "&#x1F600;", "&#99999999;", "&", "<style>", "</style>", "<!--", "-->", "<div class=\"gmail_quote\">",
    "<span style=\"display:none\">", "\u{200B}", "\u{202E}", "\u{00A0}", "e\u{0301}", "ü", "日本", "😀", "?", ":",
    "---------- Forwarded message ---------", "Begin forwarded message:", "wrote:", "@", "2024-03-05 10:00",
]

/// A random input of up to 80 pieces: tokens that steer the scanners, and random scalars.
public func fuzzRandomInput(_ rng: inout CleanerFuzzRandom) -> String {
    var s = ""
    for _ in 0..<(1 + rng.below(80)) {
        if rng.below(4) == 0 {
            s.unicodeScalars.append(Unicode.Scalar(UInt32(rng.below(0x3000))) ?? "x")
        } else {
            s += fuzzTokens[rng.below(fuzzTokens.count)]
        }
    }
    return s
}

/// `input` with 1–8 random deletions, token insertions, scalar replacements and duplicated runs.
public func fuzzMutate(_ input: String, _ rng: inout CleanerFuzzRandom) -> String {
    var scalars = Array(input.unicodeScalars)
    for _ in 0..<(1 + rng.below(8)) {
        guard !scalars.isEmpty else { break }
        let i = rng.below(scalars.count)
        switch rng.below(4) {
        case 0: scalars.remove(at: i)
        case 1: scalars.insert(contentsOf: fuzzTokens[rng.below(fuzzTokens.count)].unicodeScalars, at: i)
        case 2: scalars[i] = Unicode.Scalar(UInt32(rng.below(0xD7FF))) ?? "?"
        default:
            let j = min(scalars.count, i + rng.below(200))
            scalars.insert(contentsOf: scalars[i..<j], at: j)
        }
    }
    var out = String.UnicodeScalarView()
    out.append(contentsOf: scalars)
    return String(out)
}

