// TopicCatalog: the label sets of the generated sample data and the topic table the generator draws from.
import Foundation

/// The labels the sample data uses, per head.
public enum SampleLabels {
    public static let lineOfBusiness = ["Banking", "Brokerage", "Private Pensions", "Wealth Management"]
    public static let queues = ["Access & Security", "Advisory", "Billing", "Cards", "Client Data", "Complaints",
                                "Onboarding", "Payments", "Securities Operations", "Tax"]
    /// Every topic key, sorted.
    public static var topics: [String] { TopicCatalog.all.map(\.key).sorted() }
    /// Head names of the generated rows.
    public static let heads = ["line_of_business", "queue", "topic"]
}

/// Phrases for one language of a topic. Templates may hold slots such as `{amount}` (see ``SlotFiller``).
struct TopicPhrases {
    /// Subject lines.
    var subjects: [String]
    /// Sentences that state the concern; the generator uses one or two.
    var sentences: [String]
    /// Follow-up requests (what the client wants done).
    var requests: [String]
}

/// One fine topic: its queue, how likely each line of business is, and its phrases.
struct Topic {
    var key: String
    var queue: String
    /// Weight per ``SampleLabels/lineOfBusiness`` entry (same order).
    var lineOfBusinessWeights: [Double]
    /// Relative frequency of the topic.
    var frequency: Double
    var german: TopicPhrases
    var english: TopicPhrases
}

/// Product words that hint at the line of business, per language, in ``SampleLabels/lineOfBusiness`` order.
enum ProductPhrases {
    static let german: [[String]] = [
        ["mein Girokonto", "mein Tagesgeldkonto", "mein Festgeldkonto", "unser Geschäftskonto", "mein Verrechnungskonto"],
        ["mein Depot", "mein Wertpapierdepot", "mein Depot (Nr. {account})", "mein ETF-Depot", "das Depot meiner Tochter"],
        ["meine fondsgebundene Rentenversicherung", "mein Riester-Vertrag", "mein Rürup-Vertrag", "meine bAV-Police", "mein Altersvorsorgedepot"],
        ["mein Vermögensverwaltungsmandat", "unser Mandat", "die Vermögensverwaltung", "mein Portfolio in der Vermögensverwaltung", "das Family-Office-Mandat"],
    ]
    static let english: [[String]] = [
        ["my current account", "my savings account", "my fixed-term deposit", "our business account", "my cash account"],
        ["my brokerage account", "my securities account", "my custody account (no. {account})", "my ETF portfolio", "my daughter's trading account"],
        ["my pension plan", "my unit-linked pension policy", "my retirement account", "my company pension", "my private pension contract"],
        ["my wealth management mandate", "our discretionary mandate", "my managed portfolio", "the wealth management account", "our family office mandate"],
    ]
}

enum TopicCatalog {
    /// All topics, in a fixed order (the generator's draws depend on it).
    static let all: [Topic] = securitiesTopics + bankingTopics + serviceTopics
}
