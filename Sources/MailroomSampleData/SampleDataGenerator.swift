// SampleDataGenerator: deterministic, realistic German/English fintech client emails with three label heads.
import Foundation
import MailroomCore

/// A generated email and its labels (`line_of_business`, `queue`, `topic`).
public struct SampleEmail: Sendable {
    public var email: Email
    public var labels: [String: String]
    /// The plain-text body including all noise (also when `email` carries only `bodyHTML`).
    public var plainBody: String
}

/// Generates client emails from a template grammar with slot fillers and realistic noise.
///
/// About 70 % are German. Labels are correlated with the wording but not fixed by one keyword:
/// some mails touch two topics, some are vague, and a few percent carry a wrong label, so a good
/// text classifier scores well below 1.0. The same seed always gives the same emails.
///
/// ```swift
/// var generator = SampleDataGenerator(seed: 42)
/// let first = generator.next()
/// let rows = SampleDataGenerator.dataset(count: 6000, seed: 42, validationFraction: 0.15)
/// ```
public struct SampleDataGenerator {
    /// Probabilities of the ambiguity and noise the generator mixes in.
    static let germanShare = 0.7, vagueShare = 0.12, secondTopicShare = 0.22, topicNoise = 0.04,
               lobNoise = 0.04, productMention = 0.7, quoteShare = 0.25, htmlShare = 0.3

    private var rng: SeededGenerator
    private let seed: UInt64
    private var counter = 0

    public init(seed: UInt64) {
        self.seed = seed
        rng = SeededGenerator(seed: seed)
    }

    /// The next email of this generator's sequence.
    public mutating func next() -> SampleEmail {
        counter += 1
        let german = rng.chance(Self.germanShare)
        let topics = TopicCatalog.all
        var topic = topics[rng.weightedIndex(topics.map(\.frequency))]
        var lob = rng.weightedIndex(topic.lineOfBusinessWeights)
        let phrases = german ? topic.german : topic.english
        var slots = SlotFiller(rng: SeededGenerator(seed: rng.next()))
        let products = german ? ProductPhrases.german[lob] : ProductPhrases.english[lob]
        let product = rng.pick(products)

        // The message itself: either vague, or one or two topic sentences (+ maybe a second topic).
        var sentences: [String] = []
        if rng.chance(0.5) { sentences.append(rng.pick(german ? MailNoise.germanContext : MailNoise.englishContext)) }
        let vague = rng.chance(Self.vagueShare)
        if vague {
            sentences.append(rng.pick(german ? MailNoise.vagueGerman : MailNoise.vagueEnglish))
        } else {
            let first = rng.int(below: phrases.sentences.count)
            sentences.append(phrases.sentences[first])
            if rng.chance(0.35) {
                let second = (first + 1 + rng.int(below: phrases.sentences.count - 1)) % phrases.sentences.count
                sentences.append(phrases.sentences[second])
            }
            if rng.chance(Self.productMention) {
                sentences.append(german ? "Es geht um {product}." : "This concerns {product}.")
            }
        }
        if rng.chance(Self.secondTopicShare) {
            let other = topics[rng.weightedIndex(topics.map(\.frequency))]
            let otherPhrases = german ? other.german : other.english
            sentences.append((german ? "Außerdem: " : "Also, ") + rng.pick(otherPhrases.sentences))
            // An angry add-on often decides where the mail goes.
            if other.key == "complaint" && rng.chance(0.5) { topic = other }
        }
        if rng.chance(0.7) { sentences.append(rng.pick(phrases.requests)) }
        // Sentences start lower-case after a German greeting's comma; every later sentence is capitalised.
        var text = sentences.enumerated().map { i, sentence in
            let filled = slots.fill(sentence, german: german, product: product)
            return i == 0 && german ? filled : filled.prefix(1).uppercased() + filled.dropFirst()
        }.joined(separator: " ")

        var subject = vague && rng.chance(0.5)
            ? rng.pick(german ? ["Anfrage", "Frage", "Bitte um Rückruf", "Dringend", "Mein Konto"]
                              : ["Question", "Request", "Call back please", "Urgent"])
            : slots.fill(rng.pick(phrases.subjects), german: german, product: product)

        // Label noise: a few mails were filed under another topic or line of business.
        if rng.chance(Self.topicNoise) { topic = rng.pick(topics) }
        if rng.chance(Self.lobNoise) { lob = rng.int(below: SampleLabels.lineOfBusiness.count) }

        // Typos, greeting, closing, signature, footers, quoted history.
        if rng.chance(0.4) { text = MailNoise.typos(text, rate: 0.04, rng: &rng) }
        let name = slots.name()
        var greeting = rng.pick(german ? MailNoise.germanGreetings : MailNoise.englishGreetings)
        greeting = greeting.replacingOccurrences(of: "{advisor}", with: rng.pick(MailNoise.advisors))
        if greeting.isEmpty, let first = text.first { text = first.uppercased() + text.dropFirst() }
        var parts = [greeting.isEmpty ? text : greeting + "\n\n" + text]
        let closing = rng.pick(german ? MailNoise.germanClosings : MailNoise.englishClosings)
        parts.append("\(closing)\n\(rng.chance(0.3) ? name.first : "\(name.first) \(name.last)")")
        if rng.chance(0.3) { parts.append("Tel.: +49 \(150 + rng.int(below: 30)) \(1_000_000 + rng.int(below: 8_999_999))") }
        let business = rng.chance(0.12)
        if business {
            let company = rng.pick(MailNoise.companies)
            parts.append(rng.pick(MailNoise.impressum).replacingOccurrences(of: "{company}", with: company)
                .replacingOccurrences(of: "{first}", with: name.first).replacingOccurrences(of: "{last}", with: name.last))
        }
        if rng.chance(0.1) { parts.append(rng.pick(german ? MailNoise.germanDisclaimers : MailNoise.englishDisclaimers)) }
        if rng.chance(0.15) { parts.append(rng.pick(MailNoise.mobileFooters)) }
        if rng.chance(Self.quoteShare) {
            // Either the service desk's acknowledgement, or the client's own earlier mail on any topic.
            let earlier = rng.chance(0.6)
                ? "Sehr geehrte Kundin, sehr geehrter Kunde,\n\n\(rng.pick(MailNoise.serviceReplies))\n\nIhr Kundenservice"
                : slots.fill(rng.pick((german ? rng.pick(topics).german : rng.pick(topics).english).sentences),
                             german: german, product: product)
            parts.append(MailNoise.quote(of: earlier, german: german, sender: "Kundenservice <service@example-bank.de>",
                                         date: slots.date(german: german), rng: &rng))
            subject = (german ? rng.pick(["AW: ", "Re: ", "WG: "]) : rng.pick(["Re: ", "RE: ", "Fwd: "])) + subject
        }
        let plain = parts.joined(separator: "\n\n")

        let lobName = SampleLabels.lineOfBusiness[lob]
        let html = rng.chance(Self.htmlShare)
        let custodian = (lobName == "Brokerage" || lobName == "Wealth Management") && rng.chance(0.6)
            ? rng.pick(SlotFiller.banks) : nil
        let email = Email(id: String(format: "sample-%016llx-%d", seed, counter), subject: subject,
                          body: html && rng.chance(0.5) ? nil : plain,
                          bodyHTML: html ? MailNoise.html(plain, rng: &rng) : nil,
                          custodianBank: custodian,
                          receivedAt: String(format: "2025-%02d-%02dT%02d:%02d:00Z", 1 + rng.int(below: 12),
                                             1 + rng.int(below: 28), 7 + rng.int(below: 12), rng.int(below: 60)),
                          language: german ? "de" : "en")
        return SampleEmail(email: email, labels: ["line_of_business": lobName, "queue": topic.queue, "topic": topic.key],
                           plainBody: plain)
    }

    /// `count` emails from `seed`.
    public static func emails(count: Int, seed: UInt64) -> [SampleEmail] {
        var g = SampleDataGenerator(seed: seed)
        return (0..<max(count, 0)).map { _ in g.next() }
    }

    /// `count` dataset rows from `seed`; about `validationFraction` of them get split `validation`, the rest `train`.
    /// The body is the plain-text rendering including all noise (quotes, signatures, footers, typos).
    public static func dataset(count: Int, seed: UInt64, validationFraction: Double) -> [DatasetRow] {
        var splitRNG = SeededGenerator(seed: seed ^ 0x5350_4C49_5400_0000)
        return emails(count: count, seed: seed).map { s in
            DatasetRow(id: s.email.id, subject: s.email.subject, body: s.plainBody, language: s.email.language,
                       labels: s.labels, split: splitRNG.chance(validationFraction) ? "validation" : "train",
                       custodianBank: s.email.custodianBank)
        }
    }
}
