// Multilingual words the line scanners look for: header keys, "wrote" verbs, forward words, closings.

/// Keyword tables shared by the scanners (all lowercased, NFC).
enum HeaderVocabulary {
    /// Header keys that name the sender ("From:", "Von:", "De :", "Od:", …).
    static let fromKeys: Set<String> = [
        "from", "von", "de", "od", "fra", "da", "van", "från", "lähettäjä", "feladó", "от", "отправитель",
        "gönderen", "kimden", "від", "від кого", "šalje", "saatja", "expeditorul", "de la", "送信元", "发件人",
        "寄件者", "差出人", "보낸 사람", "remitente", "afzender", "mittente", "nadawca", "frá",
        "from (e-mail)", "absender",
    ]

    /// Other header keys of quoted/forwarded header blocks (date, recipients, subject).
    static let otherKeys: Set<String> = [
        "sent", "date", "to", "subject", "cc", "bcc", "reply-to", "gesendet", "datum", "an", "betreff", "kopie",
        "envoyé", "objet", "à", "a", "sujet", "enviado", "enviada", "fecha", "para", "asunto", "inviato", "data",
        "oggetto", "verzonden", "aan", "onderwerp", "wysłano", "do", "temat", "dw", "sendt", "til", "emne",
        "dato", "kopi", "skickat", "till", "ämne", "kopia", "lähetetty", "vastaanottaja", "aihe", "päivämäärä",
        "kopio", "elküldve", "címzett", "tárgy", "dátum", "másolat", "odesláno", "komu", "předmět", "odoslané",
        "predmet", "отправлено", "кому", "тема", "дата", "копия", "gönderildi", "alıcı", "konu", "tarih", "bilgi",
        "відправлено", "надіслано", "копія", "poslano", "prima", "naslov", "trimis", "către", "subiect",
        "saadetud", "adressaat", "teema", "koopia", "送信日時", "宛先", "件名", "日付", "收件人", "主题", "日期",
        "发送时间", "抄送", "assunto", "cco", "envoyé le", "gesendet am", "enviado el", "destinatario",
        "destinatari", "data e ora", "sent at", "kellele", "expediat", "kime", "tárgya",
    ]

    /// Header keys that carry the date a message was sent.
    static let dateKeys: Set<String> = [
        "date", "sent", "datum", "gesendet", "envoyé", "fecha", "data", "dato", "enviado", "enviada", "skickat",
        "sendt", "verzonden", "wysłano", "päivämäärä", "lähetetty", "dátum", "tarih", "дата", "отправлено",
        "odesláno", "odoslané", "elküldve", "trimis", "poslano", "saadetud", "送信日時", "日付", "发送时间", "日期",
        "inviato", "gönderildi", "надіслано", "відправлено",
    ]

    /// Every known header key with its kind and whether it names the date (one lookup per line).
    static let keyInfo: [String: (kind: LineScanner.HeaderKind?, isDate: Bool)] = {
        var table: [String: (kind: LineScanner.HeaderKind?, isDate: Bool)] = [:]
        for key in fromKeys.union(otherKeys).union(dateKeys) {
            let kind: LineScanner.HeaderKind? = fromKeys.contains(key) ? .from : otherKeys.contains(key) ? .other : nil
            table[key] = (kind, dateKeys.contains(key))
        }
        return table
    }()

    /// Verbs of reply intro lines ("On … wrote:", "Am … schrieb …:", "Le … a écrit :").
    static let wroteVerbs: [String] = [
        "wrote", "writes", "schrieb", "schreibt", "geschrieben", "a écrit", "écrit", "escribió", "escribio",
        "ha scritto", "scrisse", "schreef", "geschreven", "skrev", "skriver", "kirjoitti", "napsal", "napísal",
        "írta", "pisze", "napisał", "napisała", "napisal", "napisao", "escreveu", "написал", "написала",
        "написав", "пишет", "пише", "yazdı", "a scris", "写道", "寫道", "작성", "のメール", "書きました",
        "ha escrit", "sent:", "escrigué", "va escriure", "kirjutas", "skrifaði", "viết",
    ]

    /// Word stems that make a separator or intro line a forward rather than a reply (matched as substrings).
    static let forwardWords: [String] = [
        "forward", "fwd", "weitergeleitet", "reenviado", "transféré", "transmis", "réexpédié", "inoltrato",
        "doorgestuurd", "przekazan", "przesłana dalej", "videresendt", "vidarebefordra", "edelleenlähetetty",
        "välitetty", "továbbított", "přeposlan", "preposlan", "proslijeđen", "encaminhada", "reencaminhada",
        "redirecționat", "пересыл", "перенаправ", "пересила", "переслан", "iletil", "i\u{307}letil", "転送", "转发", "轉寄",
        "mensaje reenviado", "videresend",
    ]

    /// Whether lowercased text contains a forward word stem.
    static func isForwardText(_ lower: String) -> Bool {
        forwardSet.containsAny(in: lower)
    }

    /// ``forwardWords`` as a one-pass matcher.
    static let forwardSet = PhraseSet(forwardWords)

    /// Whether a separator line's words name a reply ("Original Message", "Ursprüngliche Nachricht").
    static let originalWords: [String] = [
        "original message", "ursprüngliche nachricht", "originalnachricht", "message d'origine",
        "mensaje original", "messaggio originale", "oorspronkelijk bericht", "oprindelig meddelelse",
        "opprinnelig melding", "ursprungligt meddelande", "wiadomość oryginalna", "původní zpráva",
        "alkuperäinen viesti", "eredeti üzenet", "исходное сообщение", "mensagem original", "reply message",
        "antwort nachricht", "original", "ursprünglich",
    ]

    /// Subject prefixes of forwards ("Fwd:", "WG:", "TR:", "RV:", …).
    static let forwardSubjectPrefixes: [String] = [
        "fwd", "fw", "wg", "tr", "rv", "enc", "vs", "vb", "i", "doorst", "továbbítás", "pd", "fwd.",
        "перес", "пересл", "ilt", "转发",
    ]
}
