// FlatJSONTests: the store's hand-written JSON columns decode back to exactly what was written.
import Foundation
import MailroomCore
import Testing
@testable import MailroomStore

@Suite struct FlatJSONTests {
    static let awkward = ["", "plain", "quote \" and \\ backslash", "line\nbreak\ttab\r", "ctrl \u{01}\u{1F}\u{08}\u{0C}",
                          "slash / ok", "ünïcødé 🚀 \u{2028}", "{\"json\": [1]}"]

    @Test func labelMapsRoundTrip() throws {
        var labels: [String: String] = [:]
        for (i, s) in Self.awkward.enumerated() { labels["head\(i) \(s)"] = s }
        let text = FlatJSON.object(labels)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(text.utf8)) == labels)
        #expect(FlatJSON.object([:]) == "{}")
        #expect(FlatJSON.object(["b": "2", "a": "1"]) == #"{"a":"1","b":"2"}"#)
    }

    @Test func headMapsRoundTripIncludingConfidences() throws {
        struct Head: Decodable, Equatable { var label: String; var confidence: Double }
        let confidences = [0.9, 1.0, 0.0, 1e-05, 0.1 + 0.2, 0.123456789012345678, Double.leastNonzeroMagnitude]
        var heads: [String: (label: String, confidence: Double)] = [:]
        for (i, c) in confidences.enumerated() { heads["h\(i)"] = (Self.awkward[i], c) }
        let decoded = try JSONDecoder().decode([String: Head].self, from: Data(FlatJSON.heads(heads).utf8))
        #expect(decoded.count == heads.count)
        for (k, v) in heads { #expect(decoded[k] == Head(label: v.label, confidence: v.confidence)) }
    }

    @Test func storeRoundTripsAwkwardLabelsAndRejectsNaN() throws {
        let dir = TempFolder()
        let store = try FeedbackStore(path: dir.database)
        let labels = Dictionary(uniqueKeysWithValues: Self.awkward.enumerated().map { ("h\($0)", $1) })
        let (e, a) = routed("m1", heads: labels)
        try store.record(email: e, assignment: a)
        try store.record(Outcome(id: "m1", labels: labels))
        let c = try #require(try store.closedCases().first)
        #expect(c.predicted == labels && c.truth == labels)
        var (e2, a2) = routed("m2", heads: ["intent": "x"])
        a2.prediction.heads["intent"]?.confidence = .nan
        #expect(throws: StoreError.invalidInput(id: "m2", reason: "confidence of head intent is not a finite number")) {
            try store.record(email: e2, assignment: a2)
        }
    }
}

@Suite struct FlatJSONReaderTests {
    @Test func readsWhatFlatJSONWrites() throws {
        var labels: [String: String] = [:]
        for (i, s) in FlatJSONTests.awkward.enumerated() { labels["k\(i) \(s)"] = s }
        #expect(FlatJSONReader.labels(FlatJSON.object(labels)) == labels)
        let heads: [String: (label: String, confidence: Double)] = ["a": ("x\ny", 0.25), "b": ("🚀", 1e-07)]
        let back = try #require(FlatJSONReader.heads(FlatJSON.heads(heads)))
        #expect(back.mapValues(\.label) == ["a": "x\ny", "b": "🚀"])
        #expect(back.mapValues(\.confidence) == ["a": 0.25, "b": 1e-07])
    }

    @Test func readsOtherWritersSpellingOfTheSameShapes() {
        #expect(FlatJSONReader.labels(" { \"a\" : \"\\/\\u00e9\\ud83d\\ude80\" ,\n\"b\":\"\"} ") == ["a": "/é🚀", "b": ""])
        #expect(FlatJSONReader.labels("{}") == [:])
        let heads = FlatJSONReader.heads(#"{"h": {"label": "x", "confidence": 1}}"#)
        #expect(heads?["h"]?.label == "x" && heads?["h"]?.confidence == 1)
    }

    @Test func rejectsOtherShapesSoCallersFallBack() {
        for text in ["", "[1]", #"{"a":1}"#, #"{"a":"b"} x"#, #"{"a":"b""#, #"{"a":"\x"}"#, #"{"a":"\ud83d"}"#,
                     "{\"a\":\"raw\ncontrol\"}"] {
            #expect(FlatJSONReader.labels(text) == nil, "accepted \(text)")
        }
        #expect(FlatJSONReader.heads(#"{"h":{"label":"x","confidence":0.5,"logits":[1]}}"#) == nil)
        #expect(FlatJSONReader.heads(#"{"h":{"label":"x"}}"#) == nil)
    }

    @Test func storeFallsBackForRowsItDidNotWrite() throws {
        let dir = TempFolder()
        let store = try FeedbackStore(path: dir.database)
        let (e, a) = routed("m1", heads: ["intent": "x"])
        try store.record(email: e, assignment: a)
        try store.record(Outcome(id: "m1", labels: ["intent": "x"]))
        try store.database.execute(
            #"UPDATE predictions SET heads_json = '{"intent":{"label":"y","confidence":0.5,"logits":[1,2]}}'"#,
            operation: "rewrite")
        let c = try #require(try store.closedCases().first)
        #expect(c.predicted == ["intent": "y"] && c.confidence == ["intent": 0.5])
    }
}
