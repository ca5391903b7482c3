// ModelInput: what a model reads for one email — the model text plus the email's structured fields (custodian bank,
// language), as in the reference design's inputs. One place for the fields' names and how an absent one reads.
import Foundation

/// One email as a model sees it.
public struct ModelInput: Sendable, Equatable {
    /// The model text (``modelText(subject:body:)``).
    public var text: String
    public var language: String?
    public var custodianBank: String?

    public init(text: String, language: String? = nil, custodianBank: String? = nil) {
        self.text = text; self.language = language; self.custodianBank = custodianBank
    }

    /// The structured fields a model may use, by their JSON names.
    public static let fieldNames = ["custodian_bank", "language"]
    /// What an absent or empty field reads as: a value of its own.
    public static let absent = "none"

    /// The value of field `name` (one of ``fieldNames``), trimmed and lowercased; ``absent`` when missing or empty.
    public func field(_ name: String) -> String {
        let raw: String? = switch name {
        case "custodian_bank": custodianBank
        case "language": language
        default: nil
        }
        let v = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        return v.isEmpty ? Self.absent : v
    }

    /// The text with `fields` written before it, for kinds that read fields as text (transformer):
    /// `[custodian_bank: commerzbank] [language: de]` and a newline, then the text; the text alone for no fields.
    public func prefixed(fields: [String]) -> String {
        guard !fields.isEmpty else { return text }
        return fields.map { "[\($0): \(field($0))]" }.joined(separator: " ") + "\n" + text
    }

    /// Checks field names given by a user: throws a message naming the known ones.
    public static func validate(fields: [String]) throws {
        for f in fields where !fieldNames.contains(f) {
            throw ModelError.invalid("unknown field \(f); the fields a model can read are \(fieldNames.joined(separator: ", "))")
        }
    }
}

extension DatasetRow {
    /// The row as a model reads it.
    public var input: ModelInput { ModelInput(text: text, language: language, custodianBank: custodianBank) }
}

extension CleanedEmail {
    /// The cleaned email as a model reads it.
    public var input: ModelInput { ModelInput(text: modelInput, language: language, custodianBank: custodianBank) }
}
