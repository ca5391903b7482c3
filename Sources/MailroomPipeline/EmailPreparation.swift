// EmailPreparation: the one place an incoming Email becomes a CleanedEmail (used by the cleaner stage,
// `mailroom train/predict/evaluate` and `mailroom clean`), so training and serving see the same text.
import Foundation
import MailroomCleaner
import MailroomCore

extension EmailCleaner {
    /// Cleans `email`'s body (plain text and/or HTML) into the text the classifier sees.
    public func prepare(_ email: Email) -> CleanedEmail {
        let result = clean(text: email.body, html: email.bodyHTML)
        return CleanedEmail(id: email.id, subject: email.subject, text: result.text, language: email.language,
                            custodianBank: email.custodianBank,
                            removed: result.removed.map { RemovedPart(kind: $0.kind.rawValue, length: $0.text.count) })
    }

    /// Cleans a dataset row's body in place (labels and split untouched).
    public func prepare(_ row: DatasetRow) -> DatasetRow {
        var out = row
        out.body = clean(text: row.body, html: nil).text
        return out
    }
}
