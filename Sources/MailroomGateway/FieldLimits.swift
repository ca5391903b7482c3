// FieldLimits: what every field of a request body may hold. API/openapi.json states the same limits (maxLength,
// pattern, anyOf), and a test keeps the two equal. Lengths count Unicode scalars, as JSON Schema's maxLength does.
import MailroomCore

public enum FieldLimits {
    public static let idLength = 256
    public static let subjectLength = 4096
    /// `body` and `body_html`, each.
    public static let bodyLength = 1_048_576
    public static let custodianBankLength = 128
    public static let languageLength = 35
    public static let timeLength = 64
    public static let resolutionLength = 4096
    public static let headNameLength = 64
    public static let labelLength = 256
    public static let maxLabels = 16
    /// `de`, `en`, `de-CH`: a BCP 47 tag's shape.
    public static let languagePattern = "^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$"
    /// No C0 or C1 control character and no DEL.
    public static let noControlPattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Throws `validation` unless `value` has `minimum...maximum` scalars (and no control character when `plain`).
    static func check(_ value: String, _ field: String, minimum: Int = 0, maximum: Int, plain: Bool) throws {
        var count = 0
        for scalar in value.unicodeScalars {
            count += 1
            if plain && isControl(scalar) {
                throw GatewayError.validation("\(field) holds a control character (U+\(hex(scalar.value))); it may not")
            }
        }
        if count < minimum { throw GatewayError.validation("\(field) is empty; it needs at least \(minimum) character(s)") }
        if count > maximum { throw GatewayError.validation("\(field) has \(count) characters; the limit is \(maximum)") }
    }

    static func checkLanguage(_ value: String, _ field: String) throws {
        let parts = value.split(separator: "-", omittingEmptySubsequences: false)
        let ok = value.unicodeScalars.count <= languageLength && !parts.isEmpty
            && parts.enumerated().allSatisfy { i, p in
                (1...8).contains(p.unicodeScalars.count)
                    && p.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || (i > 0 && ("0"..."9").contains($0))) }
            }
        guard ok else {
            throw GatewayError.validation("\(field) \(quotedForMessage(value)) is not a language tag such as de, en or de-CH")
        }
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }

    /// Every rule for one email of a batch (`emails[index]`).
    public static func validate(_ e: Email, index: Int) throws {
        let at = "emails[\(index)]"
        try check(e.id, "\(at).id", minimum: 1, maximum: idLength, plain: true)
        try check(e.subject, "\(at).subject", maximum: subjectLength, plain: false)
        if let body = e.body { try check(body, "\(at).body", maximum: bodyLength, plain: false) }
        if let html = e.bodyHTML { try check(html, "\(at).body_html", maximum: bodyLength, plain: false) }
        if let bank = e.custodianBank { try check(bank, "\(at).custodian_bank", maximum: custodianBankLength, plain: true) }
        if let time = e.receivedAt { try check(time, "\(at).received_at", maximum: timeLength, plain: true) }
        if let language = e.language { try checkLanguage(language, "\(at).language") }
        if let n = e.evidence, !(0...Email.maxEvidence).contains(n) {
            throw GatewayError.validation("\(at).evidence is \(n): ask for 0 (none) to \(Email.maxEvidence) evidence items per head")
        }
        guard !e.subject.isEmpty || !(e.body ?? "").isEmpty || !(e.bodyHTML ?? "").isEmpty else {
            throw GatewayError.validation("\(at) has no subject, body or body_html: an email needs at least one")
        }
    }

    /// Every rule for a closed-case outcome, before its heads and labels are checked against the model.
    public static func validate(_ o: Outcome) throws {
        try check(o.id, "id", minimum: 1, maximum: idLength, plain: true)
        guard !o.labels.isEmpty else { throw GatewayError.validation("labels is empty: give at least one head's true label") }
        guard o.labels.count <= maxLabels else {
            throw GatewayError.validation("labels has \(o.labels.count) heads; the limit is \(maxLabels)")
        }
        if let heads = o.newLabels {
            guard heads.count <= maxLabels else { throw GatewayError.validation("new_labels has \(heads.count) heads; the limit is \(maxLabels)") }
            guard Set(heads).count == heads.count else { throw GatewayError.validation("new_labels names a head twice") }
            for head in heads { try check(head, "new_labels item", minimum: 1, maximum: headNameLength, plain: true) }
        }
        for (head, label) in o.labels.sorted(by: { $0.key < $1.key }) {
            try check(head, "labels key", minimum: 1, maximum: headNameLength, plain: true)
            try check(label, "labels.\(head)", minimum: 1, maximum: labelLength, plain: true)
        }
        if let r = o.resolution { try check(r, "resolution", maximum: resolutionLength, plain: false) }
        if let t = o.closedAt { try check(t, "closed_at", maximum: timeLength, plain: true) }
    }
}
