// HybridBlendTests: the hybrid kind's per-head blend: its arithmetic, the weight it chooses on held-out rows, and
// the errors a bad hybrid.json gets.
import Foundation
import MailroomCore
import Testing

@Suite struct HybridBlendTests {
    @Test func theEndsOfTheGridAreEachPartAlone() {
        let l: [Float] = [2, 0, -1], t: [Float] = [-3, 4, 0]
        let linearOnly = HeadBlend(linearWeight: 1, linearTemperature: 2, transformerTemperature: 1).combine(linear: l, transformer: t)
        let transformerOnly = HeadBlend(linearWeight: 0).combine(linear: l, transformer: t)
        // log softmax(l / 2): exp of it sums to 1 and keeps the order of l.
        #expect(abs(linearOnly.map { exp(Double($0)) }.reduce(0, +) - 1) < 1e-5)
        #expect(abs(Double(linearOnly[0] - linearOnly[1]) - 1.0) < 1e-5)
        #expect(transformerOnly.firstIndex(of: transformerOnly.max()!) == 1)
        let even = HeadBlend(linearWeight: 0.5).combine(linear: l, transformer: t)
        // 0.5 · (log softmax l + log softmax t), checked against a hand computation of one entry.
        func ls(_ z: [Float]) -> [Double] { let m = Double(z.max()!); let s = z.map { exp(Double($0) - m) }.reduce(0, +); return z.map { Double($0) - m - log(s) } }
        #expect(abs(Double(even[2]) - 0.5 * (ls(l)[2] + ls(t)[2])) < 1e-5)
    }

    @Test func aBetterPartAloneIsNeverOverruled() {
        // The linear part is right on every row, the transformer on none. Every weight that keeps the linear
        // part's answers scores 1 (the tie goes to the least log-loss, then to the weight nearest 0.5); the chosen
        // blend must answer every row as the linear part does.
        let truth = (0..<60).map { $0 % 3 }
        let right = truth.map { y in (0..<3).map { Float($0 == y ? 3 : 0) } }
        let wrong = truth.map { y in (0..<3).map { Float($0 == (y + 1) % 3 ? 3 : 0) } }
        func argmax(_ z: [Float]) -> Int { z.indices.max { z[$0] < z[$1] }! }
        let a = HeadBlend.fit(linear: right, transformer: wrong, truth: truth, classCount: 3)
        #expect(a.linearMacroF1 == 1 && a.transformerMacroF1 == 0 && a.blendMacroF1 == 1 && a.linearWeight > 0)
        #expect(truth.indices.allSatisfy { argmax(a.combine(linear: right[$0], transformer: wrong[$0])) == truth[$0] })
        let b = HeadBlend.fit(linear: wrong, transformer: right, truth: truth, classCount: 3)
        #expect(b.blendMacroF1 == 1 && b.linearWeight < 1 && b.heldOutRows == 60)
        #expect(truth.indices.allSatisfy { argmax(b.combine(linear: wrong[$0], transformer: right[$0])) == truth[$0] })
    }

    @Test func theBlendBeatsBothWhereEachIsSureOnlyWhereItIsRight() {
        // Rows 0..<30: the linear part is sure and right, the transformer unsure and wrong; rows 30..<60 the other
        // way round. Either part alone gets half the rows; an even blend gets all of them.
        let truth = (0..<60).map { $0 % 2 }
        func logits(sureOn range: Range<Int>) -> [[Float]] {
            truth.indices.map { r in
                let y = truth[r]
                return range.contains(r) ? (0..<2).map { Float($0 == y ? 4 : -4) } : (0..<2).map { Float($0 == y ? -0.2 : 0.2) }
            }
        }
        for objective in BlendObjective.allCases {
            let blend = HeadBlend.fit(linear: logits(sureOn: 0..<30), transformer: logits(sureOn: 30..<60), truth: truth,
                                      classCount: 2, objective: objective)
            #expect(blend.linearMacroF1 < 0.6 && blend.transformerMacroF1 < 0.6, "\(objective)")
            #expect(blend.blendMacroF1 == 1, "\(objective)")
            #expect(blend.linearWeight > 0 && blend.linearWeight < 1 && blend.objective == objective, "\(objective)")
            #expect(blend.blendLogLoss < min(blend.linearLogLoss, blend.transformerLogLoss), "\(objective)")
        }
    }

    @Test func macroF1SelectionIsNeverBelowTheBetterPartOnItsRowsAndLogLossIsSteadier() {
        // The linear part is right on 70 % of the rows with moderate confidence, the transformer on 55 %, both
        // seeded noise. Macro-F1 selection is, on these rows, at least as good as the better end; log-loss
        // selection is at least as good in log-loss.
        var g = SeededGenerator(seed: 11)
        let truth = (0..<400).map { _ in Int.random(in: 0..<4, using: &g) }
        func part(_ accuracy: Double) -> [[Float]] {
            truth.map { y in
                let said = Double.random(in: 0..<1, using: &g) < accuracy ? y : Int.random(in: 0..<4, using: &g)
                return (0..<4).map { Float($0 == said ? 1.5 : 0) + Float.random(in: -0.5..<0.5, using: &g) }
            }
        }
        let l = part(0.7), t = part(0.55)
        let f1 = HeadBlend.fit(linear: l, transformer: t, truth: truth, classCount: 4, objective: .macroF1)
        #expect(f1.blendMacroF1 >= max(f1.linearMacroF1, f1.transformerMacroF1))
        let ll = HeadBlend.fit(linear: l, transformer: t, truth: truth, classCount: 4)
        #expect(ll.blendLogLoss <= min(ll.linearLogLoss, ll.transformerLogLoss))
        #expect(ll.linearWeight > 0.5, "the better part weighs more")
    }

    @Test func aPartThatIsNoiseIsLeftOutRatherThanBlendedIn() {
        // The transformer's logits are seeded noise. Some weight below 1 may score a little higher on these rows
        // by chance, but not beyond the bootstrap's noise: the linear part is served alone (w = 1).
        var g = SeededGenerator(seed: 3)
        let truth = (0..<300).map { _ in Int.random(in: 0..<5, using: &g) }
        let linear = truth.map { y in
            let said = Double.random(in: 0..<1, using: &g) < 0.6 ? y : Int.random(in: 0..<5, using: &g)
            return (0..<5).map { Float($0 == said ? 1 : 0) + Float.random(in: -0.8..<0.8, using: &g) }
        }
        let noise = truth.map { _ in (0..<5).map { _ in Float.random(in: -1..<1, using: &g) } }
        let blend = HeadBlend.fit(linear: linear, transformer: noise, truth: truth, classCount: 5)
        #expect(blend.linearWeight == 1 && blend.blendMacroF1 == blend.linearMacroF1)
        #expect(HeadBlend.fit(linear: noise, transformer: linear, truth: truth, classCount: 5).linearWeight == 0)
    }

    @Test func aGainCarriedByAFewRowsIsNotEnoughToBlend() {
        // The linear part is right on 196 of 200 rows and just wrong on 4; the transformer says nothing except on
        // those 4, where it is sure and right. Blending fixes them, and a bootstrap of the macro-F1 gain almost
        // never misses all 4 rows, but 4 wins out of 4 disagreements is p = 1/16 for a sign test: no blend.
        let truth = (0..<200).map { $0 % 2 }
        let fixed = Set([10, 51, 92, 133])
        let linear = truth.indices.map { r -> [Float] in
            let y = truth[r]
            return fixed.contains(r) ? (0..<2).map { Float($0 == y ? 0 : 0.05) } : (0..<2).map { Float($0 == y ? 2 : 0) }
        }
        let transformer = truth.indices.map { r -> [Float] in
            fixed.contains(r) ? (0..<2).map { Float($0 == truth[r] ? 3 : 0) } : [0, 0]
        }
        let blend = HeadBlend.fit(linear: linear, transformer: transformer, truth: truth, classCount: 2)
        #expect(blend.linearWeight == 1 && blend.blendMacroF1 == blend.linearMacroF1)
        // The sign test itself.
        #expect(abs(HeadBlend.signTestP(wins: 4, losses: 0) - 1.0 / 16) < 1e-12)
        #expect(abs(HeadBlend.signTestP(wins: 5, losses: 0) - 1.0 / 32) < 1e-12)
        #expect(HeadBlend.signTestP(wins: 0, losses: 0) == 1 && HeadBlend.signTestP(wins: 10, losses: 10) > 0.5)
        #expect(HeadBlend.signTestP(wins: 30, losses: 10) < 0.01)
    }

    @Test func indexMacroF1AgreesWithTheLabelledMetrics() {
        let truth = [0, 0, 1, 2, 2, 2, 1, 0], predicted = [0, 1, 1, 2, 0, 2, 1, 0]
        let names = ["a", "b", "c"]
        let labelled = ClassificationMetrics.compute(truth: truth.map { names[$0] }, predicted: predicted.map { names[$0] }, labels: names)
        #expect(abs(ClassificationMetrics.macroF1(truth: truth, predicted: predicted, classCount: 3) - labelled.macro.f1) < 1e-12)
        // On a subset of rows (with repeats, as a bootstrap draws them): the same as scoring those rows alone.
        let rows = [0, 0, 3, 4, 6]
        let sub = ClassificationMetrics.compute(truth: rows.map { names[truth[$0]] }, predicted: rows.map { names[predicted[$0]] }, labels: names)
        #expect(abs(ClassificationMetrics.macroF1(truth: truth, predicted: predicted, classCount: 3, rows: rows) - sub.macro.f1) < 1e-12)
    }

    @Test func aBadHybridFileIsRefusedByName() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hybrid-blend-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let heads = [HeadSpec(name: "queue", labels: ["a", "b"]), HeadSpec(name: "topic", labels: ["x", "y"])]
        #expect(throws: ModelError.self) { try HybridBlend.read(directory: dir, heads: heads) }   // no file
        try HybridBlend(fittedOn: "test", heads: ["queue": HeadBlend(linearWeight: 0.3)]).write(directory: dir)
        #expect { try HybridBlend.read(directory: dir, heads: heads) } throws: { "\($0)".contains("no blend for head topic") }
        try HybridBlend(fittedOn: "test", heads: ["queue": HeadBlend(linearWeight: 1.5), "topic": HeadBlend(linearWeight: 0)]).write(directory: dir)
        #expect { try HybridBlend.read(directory: dir, heads: heads) } throws: { "\($0)".contains("head queue: linear_weight") }
        let good = HybridBlend(fittedOn: "test", heads: ["queue": HeadBlend(linearWeight: 0.3, linearTemperature: 2),
                                                         "topic": HeadBlend(linearWeight: 0)])
        try good.write(directory: dir)
        #expect(try HybridBlend.read(directory: dir, heads: heads) == good)
    }
}
