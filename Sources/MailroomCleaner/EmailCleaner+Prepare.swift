// EmailPreparation: the one place an incoming Email becomes a CleanedEmail (used by the cleaner stage,
// `mailroom train/predict/evaluate` and `mailroom clean`), so training and serving see the same text.
import Foundation
import MailroomCore

extension EmailCleaner {
    /// Cleans `email`'s body (plain text and/or HTML) into the text the classifier sees.
    public func prepare(_ email: Email) -> CleanedEmail {
        let result = clean(text: email.body, html: email.bodyHTML, subject: email.subject)
        return CleanedEmail(id: email.id, subject: email.subject, text: Self.keepingSomething(result, original: email.body), language: email.language,
                            custodianBank: email.custodianBank,
                            removed: result.removed.map { RemovedPart(kind: $0.kind.rawValue, length: $0.text.count) },
                            evidence: email.evidence)
    }

    /// Cleans a dataset row's body in place (labels and split untouched).
    public func prepare(_ row: DatasetRow) -> DatasetRow {
        var out = row
        out.body = Self.keepingSomething(clean(text: row.body, html: nil, subject: row.subject), original: row.body)
        return out
    }

    /// The cleaned text, or, when cleaning removed everything (a plain-text email that is all quote), the
    /// normalised original: the model should see the quoted question rather than nothing.
    static func keepingSomething(_ result: CleanResult, original: String?) -> String {
        if !result.text.allSatisfy(\.isWhitespace) || (original ?? "").isEmpty { return result.text }
        return TextNormalizer.normalize(original ?? "")
    }
}
