// Closing phrases and mobile "sent from" prefixes in the languages the fixtures and clients use.

/// Word lists for ``SignatureDetector`` (lowercased, without trailing punctuation).
enum Closings {
    /// Closings that start a signature when they stand alone on a line.
    static let phrases: Set<String> = [
        // English
        "thanks", "thank you", "thanks!", "many thanks", "thanks in advance", "thanks again", "thx", "ty",
        "regards", "best regards", "kind regards", "warm regards", "kindest regards", "best wishes", "best",
        "cheers", "sincerely", "yours sincerely", "sincerely yours", "yours truly", "yours faithfully",
        "all the best", "br", "rgds", "with best regards", "with kind regards", "thanks and regards",
        "thanks & regards", "respectfully", "take care", "cordially",
        // German
        "mit freundlichen grüßen", "mit freundlichen grüssen", "mit freundlichem gruß", "mit freundlichem gruss",
        "freundliche grüße", "freundliche grüsse", "viele grüße", "viele grüsse", "beste grüße", "beste grüsse",
        "liebe grüße", "liebe grüsse", "herzliche grüße", "herzliche grüsse", "schöne grüße", "schöne grüsse",
        "grüße", "grüsse", "gruß", "gruss", "mfg", "lg", "vg", "bg", "danke", "vielen dank", "danke schön",
        "danke und viele grüße", "besten dank", "mit besten grüßen", "mit besten grüssen", "freundlichst",
        "viele grüße aus", "beste grüße aus", "herzlichst", "mit herzlichen grüßen", "gruß und dank",
        // French, Spanish, Italian, Dutch, Nordic, Polish, Portuguese
        "cordialement", "bien cordialement", "bien à vous", "salutations", "merci", "merci beaucoup",
        "saludos", "un saludo", "atentamente", "saludos cordiales", "gracias", "cordiali saluti", "saluti",
        "distinti saluti", "un saluto", "grazie", "met vriendelijke groet", "met vriendelijke groeten",
        "vriendelijke groet", "groeten", "groet", "med venlig hilsen", "kh", "kærlig hilsen", "venlig hilsen", "mvh", "hilsen",
        "med vennlig hilsen", "vennlig hilsen", "med vänliga hälsningar", "vänliga hälsningar", "hälsningar",
        "ystävällisin terveisin", "terveisin", "pozdrawiam", "z poważaniem", "z powazaniem", "pozdrowienia",
        "serdecznie pozdrawiam", "pozdrawiam serdecznie",
        "atenciosamente", "cumprimentos", "obrigado", "obrigada", "abraços", "с уважением",
    ]

    /// Prefixes of mobile "sent from" lines.
    static let mobilePrefixes: [String] = [
        "sent from my ", "envoyé sans fil", "sent from mailbox", "sent from outlook", "sent from yahoo", "sent from samsung",
        "sent from iphone", "sent from ipad", "sent from android", "sent from gmail", "sent wirelessly from",
        "sent via ", "sent using ", "sent with ", "get outlook for ", "von meinem iphone gesendet",
        "gesendet von meinem ", "gesendet mit ", "gesendet von outlook", "diese nachricht wurde von meinem",
        "envoyé de mon ", "envoyé à partir de ", "enviado desde outlook", "envoyé depuis mon ", "envoyé avec ", "enviado desde mi ", "enviado do meu ",
        "enviado desde ", "inviato da ", "inviato dal mio ", "verzonden met ", "verzonden vanaf mijn ",
        "verstuurd vanaf mijn ", "wysłane z ", "skickat från min ", "sendt fra min ", "sendt fra ",
        "lähetetty ", "отправлено с ", "odesláno z ", "sent from ",
    ]
}
