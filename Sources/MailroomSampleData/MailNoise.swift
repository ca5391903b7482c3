// MailNoise: what real client mail carries around its message: greetings, signatures, quotes, footers, typos, HTML.
import Foundation
import MailroomCore

enum MailNoise {
    static let germanGreetings = ["Sehr geehrte Damen und Herren,", "Hallo,", "Guten Tag,", "Liebes Service-Team,",
                                  "Sehr geehrter Herr {advisor},", "Hallo zusammen,", "Moin,", ""]
    static let englishGreetings = ["Dear Sir or Madam,", "Hello,", "Hi,", "Dear client service team,", "Dear Mr {advisor},", ""]
    static let germanClosings = ["Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße", "MfG", "Freundliche Grüße", "Danke und Gruß"]
    static let englishClosings = ["Kind regards", "Best regards", "Thanks", "Best", "Sincerely", "Cheers"]
    static let advisors = ["Becker", "Wolf", "Schulz", "Lang", "Peters"]
    static let germanContext = ["ich bin seit vielen Jahren Kunde bei Ihnen.", "ich wende mich mit folgendem Anliegen an Sie:",
                                "leider muss ich mich erneut melden.", "kurze Frage:", "folgendes Problem ist aufgetreten:",
                                "ich hoffe, Sie können mir weiterhelfen."]
    static let englishContext = ["I have been a client for many years.", "I am writing about the following:",
                                 "unfortunately I have to get in touch again.", "quick question:", "I hope you can help me."]
    static let vagueGerman = ["ich habe eine Frage zu {product}. Können Sie mich bitte zurückrufen?",
                              "bei {product} stimmt etwas nicht. Bitte melden Sie sich.",
                              "ich brauche Hilfe bei {product}, es ist etwas dringend.",
                              "bitte um Rückruf wegen {product}, Details lieber telefonisch."]
    static let vagueEnglish = ["I have a question about {product}. Could you call me back?",
                               "something is wrong with {product}. Please get in touch.",
                               "I need help with {product}, it's somewhat urgent."]
    static let germanDisclaimers = [
        "Diese E-Mail enthält vertrauliche und/oder rechtlich geschützte Informationen. Wenn Sie nicht der richtige Adressat sind oder diese E-Mail irrtümlich erhalten haben, informieren Sie bitte sofort den Absender und vernichten Sie diese Mail.",
        "Der Inhalt dieser E-Mail ist ausschließlich für den bezeichneten Adressaten bestimmt. Das unerlaubte Kopieren sowie die unbefugte Weitergabe dieser Mail ist nicht gestattet.",
    ]
    static let englishDisclaimers = [
        "This e-mail may contain confidential and/or privileged information. If you are not the intended recipient, please notify the sender immediately and destroy this e-mail.",
    ]
    static let impressum = [
        "{company} GmbH · Sitz der Gesellschaft: Hamburg · Registergericht: Amtsgericht Hamburg HRB 123456 · Geschäftsführer: {first} {last} · USt-IdNr.: DE812345678",
        "{company} AG | Vorstand: {first} {last} | Aufsichtsratsvorsitz: Dr. Ingrid Sommer | Amtsgericht München HRB 98765",
    ]
    static let companies = ["Müller Immobilien", "Sonnenschein Zahnarztpraxis", "Weber & Partner Steuerberatung",
                            "Nordlicht Logistik", "Bäckerei Krüger", "Alpen Consulting"]
    static let mobileFooters = ["Von meinem iPhone gesendet", "Gesendet von meinem Samsung Galaxy", "Sent from my iPhone",
                                "Von meinem iPad gesendet", "Gesendet mit der GMX Mail App"]
    static let serviceReplies = ["vielen Dank für Ihre Nachricht. Wir kümmern uns schnellstmöglich um Ihr Anliegen.",
                                 "wir haben Ihre Anfrage erhalten und melden uns innerhalb von drei Werktagen.",
                                 "thank you for your message, we will get back to you shortly."]

    /// Swaps or drops a letter in about `rate` of the words (typing errors).
    static func typos(_ text: String, rate: Double, rng: inout SeededGenerator) -> String {
        var words = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for i in words.indices where words[i].count >= 4 && rng.chance(rate) {
            var chars = Array(words[i])
            let p = 1 + rng.int(below: chars.count - 2)
            if rng.chance(0.5) { chars.swapAt(p, p + 1) } else { chars.remove(at: p) }
            words[i] = String(chars)
        }
        return words.joined(separator: " ")
    }

    /// An earlier message quoted under the new text, German or English style.
    static func quote(of earlier: String, german: Bool, sender: String, date: String, rng: inout SeededGenerator) -> String {
        let quoted = earlier.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n")
        switch rng.int(below: 3) {
        case 0 where german: return "Am \(date) um \(9 + rng.int(below: 9)):\(String(format: "%02d", rng.int(below: 60))) schrieb \(sender):\n\(quoted)"
        case 0: return "On \(date), at \(9 + rng.int(below: 9)):\(String(format: "%02d", rng.int(below: 60))), \(sender) wrote:\n\(quoted)"
        case 1 where german:
            return "-----Ursprüngliche Nachricht-----\nVon: \(sender)\nGesendet: \(date)\nBetreff: Ihre Anfrage\n\n\(earlier)"
        case 1: return "-----Original Message-----\nFrom: \(sender)\nSent: \(date)\nSubject: Your request\n\n\(earlier)"
        default: return german ? "\(sender) schrieb am \(date):\n\(quoted)" : "On \(date) \(sender) wrote:\n\(quoted)"
        }
    }

    /// A simple HTML rendering of a plain-text mail, as mail clients produce it.
    static func html(_ text: String, rng: inout SeededGenerator) -> String {
        func escape(_ s: Substring) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;")
        }
        let paragraphs = text.components(separatedBy: "\n\n").map { p in
            p.split(separator: "\n", omittingEmptySubsequences: false).map(escape).joined(separator: "<br>")
        }
        let font = rng.pick(["Calibri, sans-serif", "Arial", "Helvetica Neue", "Segoe UI"])
        let body = paragraphs.map { rng.chance(0.5) ? "<p>\($0)</p>" : "<div>\($0)</div>" }.joined(separator: "\n")
        return "<html><head><meta charset=\"utf-8\"><style>body{font-family:\(font);font-size:11pt}</style></head>"
            + "<body><div class=\"WordSection1\">\n\(body)\n</div></body></html>"
    }
}
