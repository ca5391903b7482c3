// HTMLPage: what the self-contained HTML reports (evaluation, feedback over time) share: the page head with its
// inline style, and the one escaper for text put into HTML and SVG.
import Foundation

public enum HTMLPage {
    /// `<!DOCTYPE html>` up to and including `<body>`: UTF-8, `title` (escaped), the reports' inline style.
    public static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(htmlEscape(title))</title>
        <style>
        body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;color:#222}
        table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
        th:first-child,td:first-child{text-align:left}h2{margin-top:2em}svg text{font-size:11px}
        .plots{display:flex;flex-wrap:wrap;gap:1em}
        </style></head><body>

        """
    }
}

/// Escapes `&`, `<`, `>` and `"` for HTML text, attribute values and SVG.
public func htmlEscape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}
