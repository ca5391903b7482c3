// Topics+Service: sample-data topics about access, security, client data, complaints and closures.
import Foundation

extension TopicCatalog {
    // LoB weights: [Banking, Brokerage, Private Pensions, Wealth Management]
    static let serviceTopics: [Topic] = [
        Topic(key: "login_2fa", queue: "Access & Security", lineOfBusinessWeights: [5, 5, 1, 1], frequency: 1.2,
              german: TopicPhrases(
                subjects: ["Login nicht möglich", "2FA neues Handy", "TAN kommt nicht an", "App-Freischaltung", "Zwei-Faktor-Authentifizierung"],
                sentences: ["ich habe ein neues Handy und kann die Banking-App nicht mehr freischalten.",
                            "die SMS-TAN kommt seit {date} nicht mehr an.",
                            "beim Login erscheint immer der Fehler „Gerät nicht registriert“.",
                            "ich möchte die Zwei-Faktor-Authentifizierung auf ein anderes Gerät umziehen.",
                            "der Aktivierungsbrief für das photoTAN-Verfahren ist nie angekommen."],
                requests: ["Bitte helfen Sie mir schnell.", "Können Sie mir einen neuen Aktivierungsbrief schicken?", "Wie gehe ich vor?"]),
              english: TopicPhrases(
                subjects: ["Cannot log in", "2FA on new phone", "TAN not received", "App activation"],
                sentences: ["I have a new phone and can't activate the banking app anymore.",
                            "the SMS TAN has not arrived since {date}.",
                            "I want to move two-factor authentication to another device."],
                requests: ["Please help me quickly.", "Could you send a new activation letter?", "How should I proceed?"])),
        Topic(key: "password_reset", queue: "Access & Security", lineOfBusinessWeights: [5, 5, 1, 2], frequency: 0.6,
              german: TopicPhrases(
                subjects: ["Passwort vergessen", "Zugang gesperrt", "Passwort zurücksetzen", "PIN für Online-Banking"],
                sentences: ["ich habe mein Passwort vergessen und der Link zum Zurücksetzen funktioniert nicht.",
                            "mein Zugang wurde nach mehreren Fehlversuchen gesperrt.",
                            "ich brauche eine neue Online-PIN per Post."],
                requests: ["Bitte entsperren Sie den Zugang.", "Bitte senden Sie mir neue Zugangsdaten.", "Danke!"]),
              english: TopicPhrases(
                subjects: ["Forgot password", "Access locked", "Reset password"],
                sentences: ["I forgot my password and the reset link doesn't work.",
                            "my access was locked after several failed attempts."],
                requests: ["Please unlock my access.", "Please send new login details.", "Thanks!"])),
        Topic(key: "fraud_suspicion", queue: "Access & Security", lineOfBusinessWeights: [7, 3, 0, 1], frequency: 0.6,
              german: TopicPhrases(
                subjects: ["Phishing-Mail erhalten", "Verdacht auf Betrug", "Unbekannte Abbuchung", "Dringend: Konto sperren"],
                sentences: ["ich habe eine E-Mail erhalten, die angeblich von Ihnen kommt und nach meiner TAN fragt.",
                            "auf meinem Konto sehe ich eine Abbuchung über {amount}, die ich nicht veranlasst habe.",
                            "jemand hat versucht, sich mit meinen Daten anzumelden.",
                            "ich habe am Telefon versehentlich einen Code weitergegeben."],
                requests: ["Bitte sperren Sie sofort alles.", "Was muss ich jetzt tun?", "Bitte melden Sie sich umgehend."]),
              english: TopicPhrases(
                subjects: ["Phishing email", "Suspected fraud", "Unknown transaction"],
                sentences: ["I received an email claiming to be from you asking for my TAN.",
                            "there is a payment of {amount} on my account that I did not make.",
                            "someone tried to log in with my details."],
                requests: ["Please block everything immediately.", "What should I do now?", "Please get back to me urgently."])),
        Topic(key: "address_change", queue: "Client Data", lineOfBusinessWeights: [4, 4, 2, 2], frequency: 0.9,
              german: TopicPhrases(
                subjects: ["Adressänderung", "Neue Anschrift", "Namensänderung nach Heirat", "Umzug", "Telefonnummer ändern"],
                sentences: ["ich bin umgezogen, meine neue Adresse lautet {street}.",
                            "nach meiner Heirat heiße ich jetzt {lastname}, bitte ändern Sie den Namen.",
                            "bitte ändern Sie meine Telefonnummer und E-Mail-Adresse in Ihren Unterlagen.",
                            "die Post geht immer noch an meine alte Anschrift."],
                requests: ["Bitte bestätigen Sie die Änderung.", "Brauchen Sie einen Nachweis?", "Vielen Dank im Voraus."]),
              english: TopicPhrases(
                subjects: ["Change of address", "New address", "Name change"],
                sentences: ["I have moved, my new address is {street}.",
                            "after my marriage my surname is now {lastname}, please update it.",
                            "letters are still sent to my old address."],
                requests: ["Please confirm the change.", "Do you need any proof?", "Many thanks in advance."])),
        Topic(key: "complaint", queue: "Complaints", lineOfBusinessWeights: [4, 4, 1, 3], frequency: 1.0,
              german: TopicPhrases(
                subjects: ["Beschwerde", "Unzumutbarer Service", "Formelle Beschwerde", "Keine Antwort seit Wochen", "Enttäuscht"],
                sentences: ["ich bin mit Ihrem Service äußerst unzufrieden, seit Wochen bekomme ich keine Antwort.",
                            "das ist bereits meine dritte E-Mail zu diesem Thema, so geht man nicht mit Kunden um.",
                            "ich lege hiermit formell Beschwerde ein und behalte mir weitere Schritte vor.",
                            "Ihre Hotline ist nie erreichbar, das ist inakzeptabel.",
                            "wenn sich nichts ändert, werde ich mich an die BaFin bzw. den Ombudsmann wenden."],
                requests: ["Ich erwarte eine Stellungnahme.", "Ich verlange eine Entschädigung.", "Bitte leiten Sie das an die Geschäftsleitung weiter."]),
              english: TopicPhrases(
                subjects: ["Complaint", "Formal complaint", "No reply for weeks", "Very disappointed"],
                sentences: ["I am extremely unhappy with your service, nobody has answered for weeks.",
                            "this is my third email about this, that is no way to treat clients.",
                            "I hereby file a formal complaint and will contact the ombudsman if needed."],
                requests: ["I expect a statement.", "I demand compensation.", "Please escalate this to management."])),
        Topic(key: "account_closure", queue: "Client Data", lineOfBusinessWeights: [5, 4, 1, 2], frequency: 0.6,
              german: TopicPhrases(
                subjects: ["Kündigung", "Konto auflösen", "Depot schließen", "Kündigung der Geschäftsbeziehung"],
                sentences: ["hiermit kündige ich die Geschäftsbeziehung zum {date}.",
                            "bitte lösen Sie das Konto auf und überweisen Sie das Guthaben auf {iban}.",
                            "nach dem Tod meines Vaters möchte ich sein Konto auflösen, der Erbschein liegt bei."],
                requests: ["Bitte bestätigen Sie die Kündigung schriftlich.", "Was passiert mit den Wertpapieren?", "Danke."]),
              english: TopicPhrases(
                subjects: ["Account closure", "Close my account", "Termination"],
                sentences: ["I hereby terminate the business relationship as of {date}.",
                            "please close the account and send the balance to {iban}."],
                requests: ["Please confirm the closure in writing.", "What happens to my securities?", "Thanks."])),
    ]
}
