// SlotFiller: fills `{slot}` placeholders in templates with names, amounts, ISINs, WKNs, dates and IBAN fragments.
import Foundation
import MailroomCore

/// Values for template slots, drawn from a ``SeededGenerator``.
struct SlotFiller {
    static let firstNames = ["Anna", "Thomas", "Julia", "Michael", "Sabine", "Stefan", "Katrin", "Andreas", "Laura",
                             "Jürgen", "Özlem", "Lukas", "Monika", "Hans-Peter", "Sophie", "Emma", "David", "Sarah",
                             "James", "Olivia", "Marco", "Elena", "Jan", "Birgit"]
    static let lastNames = ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann",
                            "Schäfer", "Koch", "Richter", "Klein", "Wolf", "Neumann", "Yılmaz", "Brown", "Smith",
                            "Rossi", "Kowalski", "von Bülow", "Zimmermann", "Krüger", "Hartmann"]
    static let securities = ["iShares Core MSCI World", "Vanguard FTSE All-World", "Allianz", "Siemens", "SAP",
                             "Deutsche Telekom", "BASF", "Nestlé", "Apple", "Microsoft", "Xtrackers DAX",
                             "DWS Top Dividende", "Amundi MSCI EM", "Mercedes-Benz Group", "Münchener Rück", "Novartis"]
    static let banks = ["comdirect", "DAB BNP Paribas", "Baader Bank", "ebase", "Fondsdepot Bank", "Augsburger Aktienbank",
                        "Consorsbank", "HSBC Trinkaus", "Sparkasse KölnBonn", "Commerzbank", "ING", "DKB", "flatex"]
    static let streets = ["Lindenstraße 12, 50674 Köln", "Am Markt 3, 20095 Hamburg", "Hauptstr. 45a, 80331 München",
                          "Goethestraße 7, 60313 Frankfurt am Main", "Schillerweg 19, 04109 Leipzig",
                          "Rosenweg 2, 70173 Stuttgart", "Bergstraße 88, 01069 Dresden"]

    var rng: SeededGenerator

    mutating func name() -> (first: String, last: String) { (rng.pick(Self.firstNames), rng.pick(Self.lastNames)) }

    /// An amount such as "1.250,00 EUR" (German) or "EUR 1,250.00" (English).
    mutating func amount(german: Bool) -> String {
        let euros = rng.pick([25, 50, 100, 150, 200, 250, 500, 750, 1_000, 1_250, 2_500, 5_000, 10_000, 25_000, 80_000])
        let cents = rng.chance(0.3) ? rng.int(below: 100) : 0
        let grouped = String(euros).reversed().enumerated().map { i, c in (i > 0 && i % 3 == 0 ? (german ? "." : ",") : "") + String(c) }
            .reversed().joined()
        let number = grouped + (german ? "," : ".") + String(format: "%02d", cents)
        return german ? rng.pick(["\(number) EUR", "\(number) €", "\(number) Euro"]) : rng.pick(["EUR \(number)", "€\(number)"])
    }

    /// An ISIN-shaped code (country prefix, 9 alphanumerics, check digit not computed).
    mutating func isin() -> String {
        let country = rng.pick(["DE", "IE", "LU", "US", "CH", "FR"])
        let chars = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
        return country + String((0..<9).map { _ in chars[rng.int(below: chars.count)] }) + String(rng.int(below: 10))
    }

    mutating func wkn() -> String {
        let chars = Array("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
        return String((0..<6).map { _ in chars[rng.int(below: chars.count)] })
    }

    mutating func date(german: Bool) -> String {
        let d = rng.int(below: 28) + 1, m = rng.int(below: 12) + 1, y = 2023 + rng.int(below: 3)
        return german ? String(format: "%02d.%02d.%d", d, m, y) : String(format: "%d/%02d/%d", d, m, y)
    }

    /// An IBAN fragment as clients write them ("DE89 …4711").
    mutating func iban() -> String {
        let tail = String(format: "%04d", rng.int(below: 10_000))
        return rng.pick(["DE\(10 + rng.int(below: 89)) …\(tail)", "DE\(10 + rng.int(below: 89)) XXXX XXXX XXXX \(tail)",
                         "IBAN endend auf \(tail)"])
    }

    /// Replaces every `{slot}` in `template`; unknown slots are left as they are.
    mutating func fill(_ template: String, german: Bool, product: String) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let slot = rest[rest.index(after: open)..<close]
            switch slot {
            case "amount": out += amount(german: german)
            case "isin": out += isin()
            case "wkn": out += wkn()
            case "date": out += date(german: german)
            case "year": out += String(2022 + rng.int(below: 3))
            case "iban": out += iban()
            case "security": out += rng.pick(Self.securities)
            case "bank": out += rng.pick(Self.banks)
            case "street": out += rng.pick(Self.streets)
            case "lastname": out += rng.pick(Self.lastNames)
            case "account": out += String(1_000_000 + rng.int(below: 9_000_000))
            case "product": out += fill(product, german: german, product: "")
            default: out += "{\(slot)}"
            }
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}
