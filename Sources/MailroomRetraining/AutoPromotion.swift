// AutoPromotion: the optional rule that promotes the candidate in shadow without a person, when the evidence on
// live traffic allows it (`mailroom registry auto-promote`, run on a schedule). The rule is the command's arguments,
// written once in the topology's `[schedule NAME]` section; without such a section every promotion stays a person's.
import Foundation
import MailroomEvaluation
import MailroomRegistry

public struct AutoPromotionRule: Sendable, Equatable {
    public enum Requirement: String, Sendable, CaseIterable {
        /// Significantly better (McNemar) on every head.
        case betterEverywhere = "better-everywhere"
        /// Significantly better on at least one head and significantly worse on none (every head with enough rows).
        case betterSomewhereWorseNowhere = "better-somewhere-worse-nowhere"
    }
    public var minimumShadowDays: Double = 7
    public var requirement: Requirement = .betterEverywhere
    public var alpha = 0.05
    public var minimumRows = 30
    public init() {}
}

public struct AutoPromotionDecision: Sendable, Equatable {
    /// The candidate in shadow and the served version (nil when no shadow runs).
    public var candidate: String?
    public var champion: String?
    public var allowed: Bool
    /// Why, in words: each condition met or not.
    public var reasons: [String]
}

public enum AutoPromotion {
    /// Weighs the shadow's live comparison (and the offline one, when `mailroom retrain` made the candidate) against
    /// `rule`. Nothing is approved or promoted; the live comparison is kept in the candidate's evidence folder.
    public static func decide(registry: ModelRegistry, database: String, rule: AutoPromotionRule,
                              now: Date = Date()) throws -> AutoPromotionDecision {
        let serving = registry.serving()
        guard let shadow = serving.shadow, let champion = serving.current else {
            return AutoPromotionDecision(candidate: nil, champion: serving.current, allowed: false,
                                         reasons: ["no candidate in shadow: nothing to decide"])
        }
        var reasons: [String] = [], allowed = true
        let since = ISO8601DateFormatter().date(from: shadow.since) ?? now
        let days = now.timeIntervalSince(since) / 86_400
        let longEnough = days >= rule.minimumShadowDays
        allowed = allowed && longEnough
        reasons.append(String(format: "in shadow for %.1f days (rule: at least %g): %@", days, rule.minimumShadowDays, longEnough ? "met" : "not met"))
        let status = try registry.record(shadow.version).status
        if status == .rejected { allowed = false; reasons.append("the candidate was rejected") }
        let evidence = try ApprovalEvidence.gather(registry: registry, database: database, version: shadow.version,
                                                   alpha: rule.alpha, minimumRows: rule.minimumRows)
        guard let live = evidence.shadow else {
            reasons.append("no live comparison: \(evidence.shadowNote ?? "no closed cases both predicted")")
            return AutoPromotionDecision(candidate: shadow.version, champion: champion, allowed: false, reasons: reasons)
        }
        let verdicts = live.heads.map { ($0.head, $0.mcnemar.verdict(alpha: rule.alpha, minimumRows: rule.minimumRows)) }
        for (head, verdict) in verdicts { reasons.append("live \(head): \(verdict)") }
        let better = verdicts.filter { $0.1 == .candidateBetter }.count
        let blocked = verdicts.contains { if case .tooFewRows = $0.1 { return true }; return $0.1 == .championBetter }
        let liveMet = switch rule.requirement {
        case .betterEverywhere: !verdicts.isEmpty && better == verdicts.count
        case .betterSomewhereWorseNowhere: better > 0 && !blocked
        }
        allowed = allowed && liveMet
        reasons.append("rule \(rule.requirement.rawValue) on live traffic: \(liveMet ? "met" : "not met")")
        if let offline = evidence.offline {
            let worse = offline.heads.filter { $0.mcnemar.verdict(alpha: rule.alpha, minimumRows: rule.minimumRows) == .championBetter }.map(\.head)
            if !worse.isEmpty { allowed = false; reasons.append("offline, the champion is significantly better on \(worse.joined(separator: ", "))") }
        }
        return AutoPromotionDecision(candidate: shadow.version, champion: champion, allowed: allowed, reasons: reasons)
    }

    /// Approves (when pending) and promotes the candidate if `decision` allows it; records the rule as the reason.
    public static func apply(_ decision: AutoPromotionDecision, registry: ModelRegistry, rule: AutoPromotionRule,
                             by: String = "auto-promote") throws -> ServingState? {
        guard decision.allowed, let candidate = decision.candidate else { return nil }
        let reason = "rule \(rule.requirement.rawValue), shadowed ≥ \(rule.minimumShadowDays) days: " + decision.reasons.joined(separator: "; ")
        if try registry.record(candidate).status == .pending { _ = try registry.approve(candidate, by: by, reason: reason) }
        return try registry.promote(candidate, by: by)
    }
}
