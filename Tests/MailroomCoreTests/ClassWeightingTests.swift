// ClassWeightingTests: the one class-weighting definition both trainers use, pinned to scikit-learn's "balanced".
import MailroomCore
import Testing

@Suite struct ClassWeightingTests {
    @Test func balancedIsScikitLearnsOverTheClassesPresent() {
        // 6 labelled rows over 3 classes present (class 3 has no row, −1 = row without this head's label):
        // n / (K · n_c) with n = 6, K = 3: class 0 (3 rows) 6/9, class 1 (2) 6/6, class 2 (1) 6/3; class 3 weighs 1.
        // scikit-learn: compute_class_weight("balanced", classes=[0,1,2], y=[0,0,0,1,1,2]) = [0.667, 1.0, 2.0].
        let w = ClassWeighting.balanced.weights(classIndices: [0, 1, -1, 0, 2, 1, 0, -1], classCount: 4)
        #expect(w.count == 4)
        #expect(abs(w[0] - 2.0 / 3) < 1e-6)
        #expect(w[1] == 1 && w[2] == 2 && w[3] == 1)
        // K counts the classes that occur, not the head's labels: with 4 counted, class 2 would weigh 1.5.
        #expect(w[2] != Float(6) / Float(4 * 1))
    }

    @Test func balancedWeightsSumToTheRowCount() {
        let indices = [0, 0, 0, 0, 0, 1, 2, 2, 4]
        let w = ClassWeighting.balanced.weights(classIndices: indices, classCount: 5)
        let total = indices.reduce(Float(0)) { $0 + w[$1] }
        #expect(abs(total - Float(indices.count)) < 1e-5, "each class present contributes n / K")
    }

    @Test func noneWeighsEveryClassOne() {
        #expect(ClassWeighting.none.weights(classIndices: [0, 0, 1], classCount: 3) == [1, 1, 1])
        #expect(ClassWeighting.balanced.weights(classIndices: [], classCount: 2) == [1, 1])
        #expect(ClassWeighting(rawValue: "balanced") == .balanced && ClassWeighting(rawValue: "sqrt") == nil)
    }
}
