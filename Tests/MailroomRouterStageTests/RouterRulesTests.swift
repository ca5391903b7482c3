// RouterRulesTests: parsing the rules file and turning predictions into assignments.
import Foundation
import MailroomCore
import MailroomRouterStage
import MailroomTestSupport
import Testing

@Suite struct RouterRulesTests {
    let rules = try! RouterRules.parse("""
        [thresholds]
        default = 0.5
        topic = 0.3   # topics are many; accept lower confidence
        [routes]
        topic = Complaint -> Complaints
        queue = * -> {label}
        [fallback]
        queue = Manual Triage
        """)

    func prediction(queue: (String, Double), topic: (String, Double)) -> Prediction {
        Prediction(id: "e1", modelVersion: "v1", heads: [
            "queue": HeadPrediction(label: queue.0, confidence: queue.1),
            "topic": HeadPrediction(label: topic.0, confidence: topic.1),
        ])
    }

    @Test func confidentQueueLabelIsTheQueue() {
        let a = rules.assign(prediction(queue: ("Tax", 0.9), topic: ("tax_certificate", 0.8)))
        #expect(a.assignedQueue == "Tax")
        #expect(!a.needsReview)
        #expect(a.lowConfidenceHeads.isEmpty)
    }

    @Test func firstMatchingRouteWins() {
        let a = rules.assign(prediction(queue: ("Payments", 0.9), topic: ("Complaint", 0.4)))
        #expect(a.assignedQueue == "Complaints")
    }

    @Test func lowConfidenceOnTheDecidingHeadFallsBack() {
        let a = rules.assign(prediction(queue: ("Tax", 0.42), topic: ("tax_certificate", 0.9)))
        #expect(a.assignedQueue == "Manual Triage")
        #expect(a.needsReview)
        #expect(a.lowConfidenceHeads == ["queue"])
    }

    @Test func lowConfidenceElsewhereKeepsTheQueueButFlagsReview() {
        let a = rules.assign(prediction(queue: ("Tax", 0.8), topic: ("tax_certificate", 0.2)))
        #expect(a.assignedQueue == "Tax")
        #expect(a.needsReview)
        #expect(a.lowConfidenceHeads == ["topic"])
    }

    @Test func errorsNameTheLine() {
        #expect(throws: RouterRulesError.syntax(file: "r", line: 2, message: "threshold for queue must be a number between 0 and 1, got 1.5")) {
            try RouterRules.parse("[thresholds]\nqueue = 1.5", file: "r")
        }
        #expect(throws: RouterRulesError.syntax(file: "r", line: 1, message: "unknown section [queues]; expected [thresholds], [routes] or [fallback]")) {
            try RouterRules.parse("[queues]", file: "r")
        }
        #expect(throws: RouterRulesError.syntax(file: "r", line: 2, message: "route must read `head = label -> queue`")) {
            try RouterRules.parse("[routes]\nqueue = Tax", file: "r")
        }
    }

    @Test func shippedRulesFileParses() throws {
        let shipped = try RouterRules.load(path: RepositoryPaths.file("Config/router.rules"))
        #expect(shipped.fallbackQueue == "Manual Triage")
        #expect(!shipped.routes.isEmpty)
        #expect(shipped.thresholdsFromModel)
    }

    /// A prediction whose model version derived its own thresholds (from precision targets at training).
    func withModelThresholds(queue: Double, queueThreshold: Double, topic: Double) -> Prediction {
        Prediction(id: "e1", modelVersion: "v2", heads: [
            "queue": HeadPrediction(label: "Tax", confidence: queue, reviewThreshold: queueThreshold),
            "topic": HeadPrediction(label: "tax_certificate", confidence: topic),
        ])
    }

    @Test func aModelVersionsOwnThresholdReplacesTheFilesForItsHead() throws {
        // The file says 0.5 for queue; the model says 0.8: 0.7 is now under it and falls back.
        let strict = rules.assign(withModelThresholds(queue: 0.7, queueThreshold: 0.8, topic: 0.9))
        #expect(strict.assignedQueue == "Manual Triage" && strict.needsReview && strict.lowConfidenceHeads == ["queue"])
        // The model says 0.4: 0.45 routes, though the file's 0.5 would not.
        let lenient = rules.assign(withModelThresholds(queue: 0.45, queueThreshold: 0.4, topic: 0.9))
        #expect(lenient.assignedQueue == "Tax" && !lenient.needsReview)
        // topic has no threshold of the model's: the file's 0.3 still applies.
        #expect(rules.assign(withModelThresholds(queue: 0.9, queueThreshold: 0.4, topic: 0.25)).lowConfidenceHeads == ["topic"])
        // An unreachable target (threshold above 1) sends every email of that version to review.
        let unreachable = rules.assign(withModelThresholds(queue: 1.0, queueThreshold: ReviewThreshold.everything, topic: 0.9))
        #expect(unreachable.needsReview && unreachable.assignedQueue == "Manual Triage")

        var pinned = try RouterRules.parse("""
            [thresholds]
            queue = 0.5
            from_model = no
            [routes]
            queue = * -> {label}
            """)
        #expect(!pinned.thresholdsFromModel)
        #expect(pinned.assign(withModelThresholds(queue: 0.7, queueThreshold: 0.8, topic: 0.9)).assignedQueue == "Tax",
                "from_model = no keeps the file's 0.5")
        pinned.thresholdsFromModel = true
        #expect(pinned.assign(withModelThresholds(queue: 0.7, queueThreshold: 0.8, topic: 0.9)).assignedQueue == "Manual Triage")
        #expect(throws: RouterRulesError.syntax(file: "r", line: 2, message: "from_model must be yes or no, got maybe")) {
            try RouterRules.parse("[thresholds]\nfrom_model = maybe", file: "r")
        }
    }
}
