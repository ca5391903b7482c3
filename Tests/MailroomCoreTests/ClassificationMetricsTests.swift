// Tests of ClassificationMetrics against hand-computed values and one scikit-learn result.
import MailroomCore
import Testing

@Suite struct ClassificationMetricsTests {
    @Test func binaryCaseMatchesHandComputedValues() {
        // truth: p p p n n ; predicted: p p n p n
        // p: tp 2, fp 1, fn 1 → precision 2/3, recall 2/3, f1 2/3; n: tp 1, fp 1, fn 1 → 1/2 each.
        let m = ClassificationMetrics.compute(truth: ["p", "p", "p", "n", "n"], predicted: ["p", "p", "n", "p", "n"])
        #expect(m.labels == ["n", "p"])
        #expect(abs(m.accuracy - 0.6) < 1e-12)
        #expect(abs(m.perClass[1].precision - 2.0 / 3) < 1e-12)
        #expect(abs(m.perClass[0].recall - 0.5) < 1e-12)
        #expect(abs(m.macro.f1 - (2.0 / 3 + 0.5) / 2) < 1e-12)
        #expect(abs(m.weighted.f1 - (3 * 2.0 / 3 + 2 * 0.5) / 5) < 1e-12)
        #expect(m.confusion == [[1, 1], [1, 2]])
        #expect(m.macro.support == 5)
    }

    @Test func scikitLearnExampleWithUnseenAndNeverPredictedLabels() {
        // Expected values computed once with scikit-learn 1.x (/work/peers/bin/python):
        //   precision_recall_fscore_support(t, p, average="macro"|"weighted", zero_division=0),
        //   accuracy_score(t, p), confusion_matrix(t, p, labels=["a","b","c","d","e"]).
        let t = ["a", "b", "c", "a", "b", "c", "a", "a", "d", "b", "c", "c"]
        let p = ["a", "c", "c", "a", "b", "a", "b", "a", "b", "b", "c", "e"]
        let m = ClassificationMetrics.compute(truth: t, predicted: p, labels: ["a", "b", "c", "d"])
        #expect(m.labels == ["a", "b", "c", "d", "e"])   // "e" only predicted: appended
        #expect(abs(m.accuracy - 0.5833333333333334) < 1e-12)
        #expect(abs(m.macro.precision - 0.3833333333333333) < 1e-12)
        #expect(abs(m.macro.recall - 0.3833333333333333) < 1e-12)
        #expect(abs(m.macro.f1 - 0.37857142857142856) < 1e-12)
        #expect(abs(m.weighted.precision - 0.5972222222222222) < 1e-12)
        #expect(abs(m.weighted.f1 - 0.5833333333333334) < 1e-12)
        #expect(m.perClass.map(\.support) == [4, 3, 4, 1, 0])
        #expect(m.confusion == [[3, 1, 0, 0, 0], [0, 2, 1, 0, 0], [1, 0, 2, 0, 1], [0, 1, 0, 0, 0], [0, 0, 0, 0, 0]])
    }

    @Test func labelNeverSeenIsReportedButNotAveraged() {
        let m = ClassificationMetrics.compute(truth: ["x", "y"], predicted: ["x", "y"], labels: ["x", "y", "z"])
        #expect(m.perClass.count == 3)
        #expect(m.macro.f1 == 1)
        #expect(m.perClass[2] == ClassMetrics(precision: 0, recall: 0, f1: 0, support: 0))
    }

    @Test func fromConfusionEqualsCompute() {
        let t = ["a", "b", "b", "c", "a"], p = ["a", "b", "c", "c", "b"]
        let m = ClassificationMetrics.compute(truth: t, predicted: p)
        #expect(ClassificationMetrics.fromConfusion(m.confusion, labels: m.labels) == m)
    }

    @Test func emptyInputGivesZeros() {
        let m = ClassificationMetrics.compute(truth: [], predicted: [], labels: ["a"])
        #expect(m.accuracy == 0 && m.macro.f1 == 0 && m.count == 0)
    }
}
