// Topics+Banking: sample-data topics about payments, cards, deposits, fees and onboarding.
import Foundation

extension TopicCatalog {
    // LoB weights: [Banking, Brokerage, Private Pensions, Wealth Management]
    static let bankingTopics: [Topic] = [
        Topic(key: "transfer_issue", queue: "Payments", lineOfBusinessWeights: [8, 2, 0, 1], frequency: 1.2,
              german: TopicPhrases(
                subjects: ["Überweisung nicht angekommen", "SEPA-Überweisung", "Überweisung zurückgekommen", "Echtzeitüberweisung", "Auslandsüberweisung"],
                sentences: ["meine Überweisung über {amount} an {iban} vom {date} ist beim Empfänger nicht angekommen.",
                            "eine Überweisung wurde mit dem Vermerk „IBAN ungültig“ zurückgebucht.",
                            "ich möchte {amount} von meinem Verrechnungskonto auf mein Referenzkonto überweisen, das Limit reicht nicht.",
                            "wie lange dauert eine Auslandsüberweisung in die Schweiz?",
                            "die Echtzeitüberweisung wurde abgelehnt."],
                requests: ["Bitte prüfen Sie den Verbleib.", "Können Sie das Limit erhöhen?", "Ich brauche das Geld dringend."]),
              english: TopicPhrases(
                subjects: ["Transfer not received", "SEPA transfer", "Payment returned", "International transfer"],
                sentences: ["my transfer of {amount} to {iban} on {date} has not reached the recipient.",
                            "a payment was returned with the reason 'invalid IBAN'.",
                            "I want to transfer {amount} to my reference account but the limit is too low."],
                requests: ["Please trace the payment.", "Could you raise the limit?", "I need the money urgently."])),
        Topic(key: "direct_debit", queue: "Payments", lineOfBusinessWeights: [8, 1, 2, 0], frequency: 0.7,
              german: TopicPhrases(
                subjects: ["Lastschrift zurückgeben", "Unberechtigte Lastschrift", "Lastschrift geplatzt", "SEPA-Mandat"],
                sentences: ["von meinem Konto wurde eine Lastschrift über {amount} abgebucht, die ich nicht kenne.",
                            "die Lastschrift für meinen Beitrag ist mangels Deckung zurückgegangen.",
                            "bitte richten Sie ein SEPA-Lastschriftmandat für die Einzahlungen ein.",
                            "ich möchte die Lastschrift vom {date} zurückgeben."],
                requests: ["Bitte buchen Sie das zurück.", "Was kostet die Rücklastschrift?", "Bitte bestätigen Sie das Mandat."]),
              english: TopicPhrases(
                subjects: ["Direct debit", "Unauthorised direct debit", "Returned direct debit"],
                sentences: ["a direct debit of {amount} I don't recognise was taken from my account.",
                            "my contribution direct debit bounced due to insufficient funds.",
                            "I want to reverse the direct debit from {date}."],
                requests: ["Please reverse it.", "Is there a fee for the return?", "Please confirm the mandate."])),
        Topic(key: "card_issue", queue: "Cards", lineOfBusinessWeights: [9, 1, 0, 1], frequency: 1.0,
              german: TopicPhrases(
                subjects: ["Karte gesperrt", "Kreditkarte verloren", "Neue PIN", "Debitkarte funktioniert nicht", "Karte abgelaufen"],
                sentences: ["meine Debitkarte wird seit gestern an der Kasse abgelehnt.",
                            "ich habe meine Kreditkarte verloren und brauche dringend eine Ersatzkarte.",
                            "ich habe meine PIN dreimal falsch eingegeben, jetzt ist die Karte gesperrt.",
                            "die neue Karte ist noch nicht angekommen, die alte läuft am {date} ab.",
                            "am Geldautomaten wurde kein Geld ausgezahlt, aber {amount} belastet."],
                requests: ["Bitte schicken Sie mir eine neue Karte.", "Wie kann ich die Karte entsperren?", "Bitte sperren Sie die Karte."]),
              english: TopicPhrases(
                subjects: ["Card blocked", "Lost credit card", "New PIN", "Card declined"],
                sentences: ["my debit card has been declined at the till since yesterday.",
                            "I lost my credit card and need a replacement urgently.",
                            "the ATM did not dispense any cash but {amount} was charged."],
                requests: ["Please send me a new card.", "How can I unblock the card?", "Please block the card."])),
        Topic(key: "interest_rates", queue: "Advisory", lineOfBusinessWeights: [8, 1, 1, 1], frequency: 0.6,
              german: TopicPhrases(
                subjects: ["Zinsen Tagesgeld", "Festgeld Konditionen", "Zinssatz gesenkt?", "Zinsgutschrift"],
                sentences: ["warum wurde der Zinssatz für mein Tagesgeld gesenkt?",
                            "ich möchte {amount} für zwölf Monate als Festgeld anlegen, welche Konditionen bieten Sie?",
                            "die Zinsgutschrift zum Quartalsende fehlt.",
                            "gilt der Aktionszins auch für Bestandskunden?"],
                requests: ["Bitte senden Sie mir ein Angebot.", "Ich bitte um Erklärung.", "Danke für Ihre Auskunft."]),
              english: TopicPhrases(
                subjects: ["Savings interest", "Fixed deposit rates", "Interest credit missing"],
                sentences: ["why was the interest rate on my savings account reduced?",
                            "I'd like to put {amount} into a 12-month fixed deposit, what rates do you offer?",
                            "the quarterly interest credit is missing."],
                requests: ["Please send me an offer.", "Please explain.", "Thanks for the information."])),
        Topic(key: "fee_question", queue: "Billing", lineOfBusinessWeights: [4, 5, 1, 3], frequency: 1.0,
              german: TopicPhrases(
                subjects: ["Gebühren", "Depotgebühr", "Kontoführungsgebühr", "Rechnung Vermögensverwaltung", "Ordergebühren zu hoch"],
                sentences: ["mir wurden {amount} Depotgebühren berechnet, obwohl das Depot laut Preisverzeichnis kostenlos ist.",
                            "die Kontoführungsgebühr ist ohne Ankündigung gestiegen.",
                            "auf der Quartalsrechnung ist die Verwaltungsvergütung höher als vereinbart.",
                            "warum kostet eine Order jetzt {amount}?",
                            "ich finde das Preis- und Leistungsverzeichnis nicht."],
                requests: ["Bitte erstatten Sie die Gebühr.", "Bitte schicken Sie mir eine Aufstellung.", "Ich bitte um Prüfung."]),
              english: TopicPhrases(
                subjects: ["Fees", "Custody fee", "Account fee", "Management fee invoice"],
                sentences: ["I was charged {amount} in custody fees although the account should be free.",
                            "the account maintenance fee went up without notice.",
                            "the management fee on the quarterly invoice is higher than agreed."],
                requests: ["Please refund the fee.", "Please send me a breakdown.", "Kindly review this."])),
        Topic(key: "account_opening", queue: "Onboarding", lineOfBusinessWeights: [4, 4, 1, 2], frequency: 1.0,
              german: TopicPhrases(
                subjects: ["Kontoeröffnung", "Depoteröffnung", "Antrag Kontoeröffnung", "Gemeinschaftsdepot eröffnen", "Juniordepot"],
                sentences: ["ich habe am {date} einen Antrag auf Eröffnung gestellt und noch nichts gehört.",
                            "wir möchten ein Gemeinschaftsdepot für meine Frau und mich eröffnen.",
                            "welche Unterlagen brauche ich für die Eröffnung eines Juniordepots für meinen Sohn?",
                            "ich möchte zusätzlich ein Tagesgeldkonto eröffnen.",
                            "wann erhalte ich meine Zugangsdaten nach der Eröffnung?"],
                requests: ["Wie lange dauert die Bearbeitung?", "Bitte senden Sie mir die Formulare.", "Danke für die Hilfe."]),
              english: TopicPhrases(
                subjects: ["Account opening", "Open a joint account", "Application status"],
                sentences: ["I applied for an account on {date} and have not heard back.",
                            "we would like to open a joint account for my wife and me.",
                            "which documents do I need to open an account for my son?"],
                requests: ["How long does it take?", "Please send me the forms.", "Thanks for your help."])),
        Topic(key: "identity_verification", queue: "Onboarding", lineOfBusinessWeights: [4, 4, 1, 2], frequency: 0.7,
              german: TopicPhrases(
                subjects: ["Legitimation", "VideoIdent fehlgeschlagen", "Ausweis abgelaufen", "PostIdent", "Nachweis Steuer-ID"],
                sentences: ["das VideoIdent-Verfahren ist zweimal abgebrochen.",
                            "mein Personalausweis ist abgelaufen, wie kann ich den neuen hochladen?",
                            "Sie haben mich aufgefordert, meine Steuer-ID und Herkunft der Mittel nachzuweisen.",
                            "der PostIdent-Coupon wurde in der Filiale nicht akzeptiert."],
                requests: ["Was soll ich tun?", "Bitte schalten Sie das Konto frei.", "Gibt es eine Alternative?"]),
              english: TopicPhrases(
                subjects: ["Identity verification", "Video ident failed", "ID expired", "Proof of address"],
                sentences: ["the video identification failed twice.",
                            "my ID card has expired, how do I upload the new one?",
                            "you asked me for proof of the source of funds."],
                requests: ["What should I do?", "Please activate the account.", "Is there another option?"])),
    ]
}
