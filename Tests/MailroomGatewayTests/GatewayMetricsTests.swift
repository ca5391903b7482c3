// GatewayMetricsTests: /metrics stays bounded whatever clients send (at most maxSeries series, the rest counted as
// dropped) and label values are escaped as the Prometheus text format requires.
import Foundation
@testable import MailroomGateway
import MailroomTestSupport
import Testing

@Suite("Gateway metrics")
struct GatewayMetricsTests {
    @Test func seriesAreCappedAndWhatIsDroppedIsCounted() {
        let metrics = GatewayMetrics()
        let extra = 150
        for i in 0..<(GatewayMetrics.maxSeries + extra) {
            metrics.count("mailroom_test_total", labels: ["route": "r\(i)"])
        }
        metrics.count("mailroom_test_total", labels: ["route": "r0"])  // an existing series still counts
        let text = metrics.render()
        let series = text.split(separator: "\n").filter { $0.hasPrefix("mailroom_test_total{") }
        #expect(series.count == GatewayMetrics.maxSeries)
        #expect(text.contains("mailroom_test_total{route=\"r0\"} 2"))
        #expect(text.contains("mailroom_gateway_metric_series_dropped_total \(extra)"))
        metrics.set("mailroom_test_gauge", labels: ["x": "new"], 1)
        #expect(!metrics.render().contains("mailroom_test_gauge"), "a gauge past the cap is dropped too")
    }

    @Test func labelValuesAreEscaped() {
        let metrics = GatewayMetrics()
        metrics.count("mailroom_test_total", labels: ["id": "a\"b\\c\nd"])
        #expect(metrics.render().contains(#"mailroom_test_total{id="a\"b\\c\nd"} 1"#))
    }
}

@Suite struct GatewayMetricsClearTests {
    @Test func clearForgetsOnlyTheMatchingSeries() {
        let m = GatewayMetrics()
        m.set("mailroom_classifier_shadow_info", labels: ["stage": "classifier", "replica": "1", "model_version": "v2"], 1)
        m.set("mailroom_classifier_shadow_info", labels: ["stage": "classifier", "replica": "10", "model_version": "v2"], 1)
        m.clear("mailroom_classifier_shadow_info", where: ["stage": "classifier", "replica": "1"])
        let text = m.render()
        #expect(!text.contains("replica=\"1\","))
        #expect(text.contains("mailroom_classifier_shadow_info{model_version=\"v2\",replica=\"10\",stage=\"classifier\"} 1"))
    }
}

@Suite struct GatewayMetricsLintTests {
    /// What `promtool check metrics` asks: every family has HELP, `_total` families are counters and only they are.
    @Test func everyFamilyHasHelpAndTotalsAreCounters() throws {
        let m = GatewayMetrics()
        for family in GatewayMetrics.help.keys {
            if family.hasSuffix("_total") { m.setCounter(family, labels: ["stage": "classifier", "replica": "0"], 3) }
            else { m.set(family, labels: ["stage": "classifier"], 1) }
        }
        m.observeLatency(0.01)
        let text = m.render()
        let lines = text.split(separator: "\n")
        for family in GatewayMetrics.help.keys.sorted() {
            #expect(lines.contains { $0.hasPrefix("# HELP \(family) ") }, "no HELP for \(family)")
            let type = family.hasSuffix("_total") ? "counter" : "gauge"
            #expect(lines.contains("# TYPE \(family) \(type)"), "\(family) is not a \(type)")
        }
        // Where the machine has promtool (Debian's prometheus package), it has the last word.
        #expect(try Promtool.problems(text) == nil)
    }
}
