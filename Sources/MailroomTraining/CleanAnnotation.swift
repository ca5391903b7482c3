// CleanAnnotation: runs the cleaner over JSONL emails (dataset rows or gateway emails) and adds what it kept and
// removed to each object, for `mailroom clean` (inspection and benchmarks). Other fields pass through unchanged.
import Foundation
import MailroomCleaner

/// Errors of ``CleanAnnotation/annotate(jsonl:source:)``, naming the line to fix.
public enum CleanAnnotationError: Error, CustomStringConvertible, Equatable {
    case notAnObject(source: String, line: Int)

    public var description: String {
        switch self {
        case .notAnObject(let source, let line):
            return "\(source):\(line): not a JSON object (expected one email per line with body and/or body_html)"
        }
    }
}

/// Adds `clean_text`, `removed` (kind and text of each removed part) and, when the input was capped,
/// `clean_input_truncated` to every JSON object of a JSONL document.
public enum CleanAnnotation {
    public struct Summary: Sendable, Equatable {
        public var emails: Int
        /// Characters removed over all emails.
        public var removedCharacters: Int
    }

    /// Annotates every non-empty line of `jsonl`; `source` names the input in errors.
    public static func annotate(jsonl: Data, source: String,
                                cleaner: EmailCleaner = EmailCleaner()) throws -> (output: Data, summary: Summary) {
        var out = Data()
        var summary = Summary(emails: 0, removedCharacters: 0)
        var lineNumber = 0
        for line in jsonl.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }) {
                continue
            }
            guard var object = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                throw CleanAnnotationError.notAnObject(source: source, line: lineNumber)
            }
            let result = cleaner.clean(text: object["body"] as? String, html: object["body_html"] as? String,
                                       subject: object["subject"] as? String)
            object["clean_text"] = result.text
            object["removed"] = result.removed.map { ["kind": $0.kind.rawValue, "text": $0.text] }
            if result.inputTruncated { object["clean_input_truncated"] = true }
            summary.removedCharacters += result.removed.reduce(0) { $0 + $1.text.count }
            out.append(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            out.append(UInt8(ascii: "\n"))
            summary.emails += 1
        }
        return (out, summary)
    }
}
