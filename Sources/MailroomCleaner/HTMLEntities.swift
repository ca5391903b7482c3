// Decoding of HTML character references: numeric (&#228; &#xE4;) and the named ones mail clients emit.

/// HTML character reference decoding.
enum HTMLEntities {
    /// Named references common in e-mail HTML (the full HTML5 table is not needed for text extraction).
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "ensp": " ", "emsp": " ",
        "thinsp": " ", "zwnj": "", "zwj": "", "shy": "", "lrm": "", "rlm": "", "copy": "©", "reg": "®",
        "trade": "™", "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "sect": "§", "para": "¶", "deg": "°",
        "plusmn": "±", "times": "×", "divide": "÷", "micro": "µ", "middot": "·", "bull": "•", "hellip": "…",
        "ndash": "–", "mdash": "—", "lsquo": "‘", "rsquo": "’", "sbquo": "‚", "ldquo": "“", "rdquo": "”",
        "bdquo": "„", "laquo": "«", "raquo": "»", "lsaquo": "‹", "rsaquo": "›", "iexcl": "¡", "iquest": "¿",
        "auml": "ä", "ouml": "ö", "uuml": "ü", "Auml": "Ä", "Ouml": "Ö", "Uuml": "Ü", "szlig": "ß",
        "aacute": "á", "eacute": "é", "iacute": "í", "oacute": "ó", "uacute": "ú", "Aacute": "Á", "Eacute": "É",
        "Iacute": "Í", "Oacute": "Ó", "Uacute": "Ú", "agrave": "à", "egrave": "è", "igrave": "ì", "ograve": "ò",
        "ugrave": "ù", "Agrave": "À", "Egrave": "È", "acirc": "â", "ecirc": "ê", "icirc": "î", "ocirc": "ô",
        "ucirc": "û", "atilde": "ã", "otilde": "õ", "ntilde": "ñ", "Ntilde": "Ñ", "ccedil": "ç", "Ccedil": "Ç",
        "aring": "å", "Aring": "Å", "aelig": "æ", "AElig": "Æ", "oslash": "ø", "Oslash": "Ø", "euml": "ë",
        "iuml": "ï", "yuml": "ÿ", "ordf": "ª", "ordm": "º", "frac12": "½", "frac14": "¼", "frac34": "¾",
        "sup2": "²", "sup3": "³", "larr": "←", "rarr": "→", "uarr": "↑", "darr": "↓", "hearts": "♥",
    ]

    /// Decodes the reference starting after `&` at `bytes[i]`; returns the text and the index after `;`.
    static func decode(_ bytes: [UInt8], at i: Int) -> (String, Int)? {
        var j = i
        let limit = min(bytes.count, i + 32)
        if j < limit && bytes[j] == UInt8(ascii: "#") {
            j += 1
            var hex = false
            if j < limit && (bytes[j] | 0x20) == UInt8(ascii: "x") { hex = true; j += 1 }
            var value: UInt32 = 0
            let digitsStart = j
            while j < limit {
                let b = bytes[j]
                let d: UInt32?
                switch b {
                case 0x30...0x39: d = UInt32(b - 0x30)
                case 0x61...0x66 where hex: d = UInt32(b - 0x61 + 10)
                case 0x41...0x46 where hex: d = UInt32(b - 0x41 + 10)
                default: d = nil
                }
                guard let digit = d else { break }
                value = min(value &* (hex ? 16 : 10) &+ digit, 0x110000)
                j += 1
            }
            guard j > digitsStart else { return nil }
            if j < bytes.count && bytes[j] == UInt8(ascii: ";") { j += 1 }
            let scalar = Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}"
            return (String(Character(scalar)), j)
        }
        while j < limit && ((bytes[j] | 0x20) >= 0x61 && (bytes[j] | 0x20) <= 0x7A || (bytes[j] >= 0x30 && bytes[j] <= 0x39)) {
            j += 1
        }
        guard j > i else { return nil }
        let name = String(decoding: bytes[i..<j], as: UTF8.self)
        guard let text = named[name] ?? named[name.lowercased()] else { return nil }
        if j < bytes.count && bytes[j] == UInt8(ascii: ";") { j += 1 }
        return (text, j)
    }
}
