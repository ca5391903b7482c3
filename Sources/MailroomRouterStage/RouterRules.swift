// RouterRules: the router's configuration (per-head confidence thresholds, label → queue routes, a fallback queue)
// and the decision that turns a prediction into an assignment.
import Foundation
import MailroomCore

/// One route: when `head` predicts `label` (or any label, for `*`), send the email to `queue`.
/// A queue of `{label}` means "the predicted label itself is the queue".
public struct Route: Sendable, Equatable {
    public var head: String
    public var label: String
    public var queue: String
}

/// Errors in a router rules file, with the line to fix.
public enum RouterRulesError: Error, CustomStringConvertible, Equatable {
    case syntax(file: String, line: Int, message: String)
    case unreadable(String)
    public var description: String {
        switch self {
        case .syntax(let f, let l, let m): "\(f):\(l): \(m)"
        case .unreadable(let p): "cannot read router rules file \(p)"
        }
    }
}

/// The router's rules. File format (INI-like, `#` comments):
/// ```
/// [thresholds]
/// default = 0.50          # applies to heads not listed
/// topic = 0.35
/// from_model = yes        # a model version's own review threshold wins (derived from a precision target)
/// [routes]                # first match wins; `*` matches any label
/// topic = complaint -> Complaints
/// queue = * -> {label}
/// [fallback]
/// queue = Manual Triage   # where low-confidence or unmatched emails go
/// ```
public struct RouterRules: Sendable, Equatable {
    public var thresholds: [String: Double]
    public var defaultThreshold: Double
    public var routes: [Route]
    public var fallbackQueue: String
    /// Whether a prediction's own review threshold (``HeadPrediction/reviewThreshold``, which travels with the model
    /// version) replaces this file's threshold for that head. `from_model = no` pins the file's thresholds.
    public var thresholdsFromModel: Bool

    public init(thresholds: [String: Double] = [:], defaultThreshold: Double = 0.5, routes: [Route] = [],
                fallbackQueue: String = "Manual Triage", thresholdsFromModel: Bool = true) {
        self.thresholds = thresholds; self.defaultThreshold = defaultThreshold
        self.routes = routes; self.fallbackQueue = fallbackQueue; self.thresholdsFromModel = thresholdsFromModel
    }

    /// This file's threshold for `head`.
    public func threshold(for head: String) -> Double { thresholds[head] ?? defaultThreshold }

    /// The threshold that applies to `head` of this prediction: the model version's own when it has one (and the
    /// file allows it), else this file's.
    public func threshold(for head: String, in prediction: Prediction) -> Double {
        if thresholdsFromModel, let t = prediction.heads[head]?.reviewThreshold { return t }
        return threshold(for: head)
    }

    /// Decides where a prediction goes.
    ///
    /// The first route whose head predicted its label picks the queue. If that head's confidence is under its
    /// threshold, or no route matches, the email goes to the fallback queue. `needsReview` is true when any head's
    /// confidence is under its threshold.
    public func assign(_ prediction: Prediction) -> Assignment {
        let low = prediction.heads.keys.sorted().filter { head in
            prediction.heads[head]!.confidence < threshold(for: head, in: prediction)
        }
        var queue = fallbackQueue
        for route in routes {
            guard let p = prediction.heads[route.head], route.label == "*" || route.label == p.label else { continue }
            if p.confidence >= threshold(for: route.head, in: prediction) {
                queue = route.queue == "{label}" ? p.label : route.queue
            }
            break
        }
        return Assignment(id: prediction.id, assignedQueue: queue, needsReview: !low.isEmpty,
                          lowConfidenceHeads: low, prediction: prediction)
    }

    /// Reads a rules file (see the type's documentation for the format).
    public static func load(path: String) throws -> RouterRules {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw RouterRulesError.unreadable(path) }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String = "<rules>") throws -> RouterRules {
        var rules = RouterRules(routes: [])
        var section = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            func fail(_ m: String) -> RouterRulesError { .syntax(file: file, line: lineNumber, message: m) }
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]") else { throw fail("section header must end with ]") }
                section = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard ["thresholds", "routes", "fallback"].contains(section) else {
                    throw fail("unknown section [\(section)]; expected [thresholds], [routes] or [fallback]")
                }
                continue
            }
            guard let eq = trimmed.firstIndex(of: "=") else { throw fail("expected `key = value`") }
            let key = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, !value.isEmpty else { throw fail("expected `key = value`") }
            switch section {
            case "thresholds" where key == "from_model":
                guard let yes = ["yes": true, "true": true, "no": false, "false": false][value.lowercased()] else {
                    throw fail("from_model must be yes or no, got \(value)")
                }
                rules.thresholdsFromModel = yes
            case "thresholds":
                guard let t = Double(value), (0...1).contains(t) else {
                    throw fail("threshold for \(key) must be a number between 0 and 1, got \(value)")
                }
                if key == "default" { rules.defaultThreshold = t } else { rules.thresholds[key] = t }
            case "routes":
                let parts = value.components(separatedBy: "->")
                guard parts.count == 2 else { throw fail("route must read `head = label -> queue`") }
                let label = parts[0].trimmingCharacters(in: .whitespaces)
                let queue = parts[1].trimmingCharacters(in: .whitespaces)
                guard !label.isEmpty, !queue.isEmpty else { throw fail("route must read `head = label -> queue`") }
                rules.routes.append(Route(head: key, label: label, queue: queue))
            case "fallback":
                guard key == "queue" else { throw fail("[fallback] takes only `queue = NAME`") }
                rules.fallbackQueue = value
            default:
                throw fail("`\(key)` appears before any section; start with [thresholds], [routes] or [fallback]")
            }
        }
        return rules
    }
}
