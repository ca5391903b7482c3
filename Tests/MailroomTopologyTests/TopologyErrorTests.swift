// TopologyErrorTests: every kind of topology error, with the line it points at and a hint.
import MailroomTopology
import Testing

/// A minimal valid file; tests append or edit lines to break it.
private let header = """
[topology]
run_dir = /tmp/run
"""

private func parseError(_ text: String) -> TopologyError? {
    do {
        _ = try Topology.parse(text, file: "bad.topology")
        return nil
    } catch let error as TopologyError {
        return error
    } catch {
        return nil
    }
}

@Suite struct TopologyErrorTests {
    /// (file text, the error's line, a fragment of its message)
    static let cases: [(String, Int, String)] = [
        (header + "\njunk line", 3, "cannot understand"),
        ("key = value\n[topology]\nrun_dir = x", 1, "before any [section]"),
        (header + "\n[widgets]", 3, "unknown section"),
        (header + "\n[topology]", 3, "declared twice (first on line 1)"),
        (header + "\n[process a]\nexecutable = x\n[process a]\nexecutable = y", 5, "declared twice"),
        (header + "\nrun_dir = y", 3, "set twice"),
        (header + "\n[process a]\nexecutable = x\nreplicas = -1", 5, "replicas"),
        (header + "\n[process a]\nexecutable = x\nreplicas = two", 5, "replicas = 'two'"),
        (header + "\n[process a]\nexecutable = x\nreplicas = 1.5", 5, "not a whole number"),
        (header + "\n[process a]\nexecutable = x\nrestart = sometimes", 5, "restart policy"),
        (header + "\n[process a]\nreplicas = 1", 3, "has no 'executable'"),
        (header + "\n[process a]\nexecutable = x\ncolour = red", 5, "unknown key 'colour'"),
        (header + "\n[process a.b]\nexecutable = x", 3, "invalid name 'a.b'"),
        (header + "\n[process a]\nexecutable = x\nenv.1BAD = y", 5, "invalid name '1BAD'"),
        (header + "\nreplica = 3", 3, "built-in placeholder"),
        (header + "\n[process a]\nexecutable = x\nargs = --model {modle}", 5, "unknown placeholder {modle}"),
        (header + "\n[process a]\nexecutable = x\nenv.X = {nope}", 5, "unknown placeholder {nope}"),
        (header + "\n[process a]\nexecutable = {bin}/a", 4, "unknown placeholder {bin}"),
        (header + "\n[process a]\nexecutable = x\nargs = --to {all:b.in}", 5, "'b.in' is not declared"),
        (header + "\n[endpoints]\nb.in = ipc://x-{replica}\n[process a]\nexecutable = x", 4,
         "belongs to process 'b', which is not declared"),
        (header + "\n[endpoints]\nb.in = ipc://{replica}\n[process a]\nexecutable = x\nargs = {own:b.in}\n"
            + "[process b]\nexecutable = y", 7, "'b.in' is owned by 'b'"),
        (header + "\n[endpoints]\na.in = tcp://127.0.0.1:5555\n[process a]\nreplicas = 2\nexecutable = x", 4,
         "used more than once"),
        (header + "\n[endpoints]\na.in = ipc://s\na.out = ipc://s\n[process a]\nexecutable = x", 5,
         "used more than once"),
        (header + "\n[endpoints]\na.in = ipc://{all:a.in}\n[process a]\nexecutable = x", 4, "unknown placeholder"),
        (header + "\n[endpoints]\nnodot = ipc://s", 4, "OWNER.NAME"),
        (header + "\n[process a]\nexecutable = x\nargs = --x \"unclosed", 5, "unterminated quote"),
        (header + "\n[process a]\nexecutable = x\nargs = --x {replica", 5, "unterminated placeholder"),
        ("[topology]\nname = x", 1, "has no 'run_dir'"),
        ("[process a]\nexecutable = x", 1, "has no 'run_dir'"),
    ]

    @Test(arguments: cases.indices)
    func reportsLineMessageAndHint(index: Int) throws {
        let (text, line, fragment) = Self.cases[index]
        let error = try #require(parseError(text), "case \(index) parsed without error")
        #expect(error.location == SourceLocation(file: "bad.topology", line: line), "case \(index): \(error)")
        #expect(error.message.contains(fragment), "case \(index): \(error.message)")
        #expect(!error.hint.isEmpty)
        #expect(error.description.hasPrefix("bad.topology:\(line): error: "))
        #expect(error.description.contains("\n  hint: "))
    }

    @Test func unknownPlaceholderHintListsWhatIsAllowed() throws {
        let error = try #require(parseError(header + "\nmodel = m\n[process a]\nexecutable = x\nargs = {modle}"))
        #expect(error.hint.contains("{model}"))
        #expect(error.hint.contains("{own:ENDPOINT}"))
        #expect(error.hint.contains("{replica}"))
    }

    @Test func missingFileIsUnreadable() {
        #expect {
            try Topology.load(path: "/nonexistent/mailroom.topology")
        } throws: { error in
            guard case .unreadable(let path, _) = error as? TopologyError else { return false }
            return path == "/nonexistent/mailroom.topology"
        }
    }
}
