// StageOptionsTests: flags, their MAILROOM_* environment twins, and the errors for bad command lines; a replica
// known by number or by its pod's name; the input bound (--pull) or connected (--pull-from).
import MailroomRuntime
import MailroomTransport
import Testing

@Suite struct StageOptionsTests {
    @Test func flagBeatsEnvironmentBeatsDefault() throws {
        let o = try StageOptions(arguments: ["--pull", "ipc:///tmp/a", "--max-batch=8"], known: ["pull", "max-batch", "threads", "push"],
                                 environment: ["MAILROOM_PULL": "ipc:///tmp/env", "MAILROOM_THREADS": "3", "MAILROOM_PUSH": "a, b,,c"])
        #expect(o.string("pull") == "ipc:///tmp/a")
        #expect(try o.int("max-batch", default: 32) == 8)
        #expect(try o.int("threads", default: 1) == 3)
        #expect(o.list("push") == ["a", "b", "c"])
    }

    @Test func badCommandLinesAreExplained() {
        #expect(throws: OptionsError.unknownFlag("--pul", known: ["pull"])) { try StageOptions(arguments: ["--pul", "x"], known: ["pull"], environment: [:]) }
        #expect(throws: OptionsError.missingValue("pull")) { try StageOptions(arguments: ["--pull"], known: ["pull"], environment: [:]) }
        #expect(throws: OptionsError.invalid(flag: "threads", value: "two", expected: "an integer")) {
            try StageOptions(arguments: ["--threads", "two"], known: ["threads"], environment: [:]).int("threads", default: 1)
        }
        #expect(throws: OptionsError.missingRequired("model")) { try StageOptions(arguments: [], known: ["model"], environment: [:]).required("model") }
    }

    @Test func aReplicaIsANumberOrAPodNameThatBecomesAStableNumber() throws {
        let options = { (value: String) in try StageOptions(arguments: ["--replica", value], known: ["replica"], environment: [:]) }
        #expect(try StageOptions(arguments: [], known: ["replica"], environment: [:]).replica() == 0)
        #expect(try options("3").replica() == 3)
        let a = try options("classifier-7d9f5c6b8-x2k9q").replica(), b = try options("classifier-7d9f5c6b8-p4m7z").replica()
        #expect(a == StageOptions.replicaNumber(name: "classifier-7d9f5c6b8-x2k9q") && (0..<1_000_000).contains(a))
        #expect(a != b, "two pods of one Deployment get two numbers")
        #expect(try options("classifier-7d9f5c6b8-x2k9q").replica() == a, "the same pod keeps its number")
        #expect(throws: OptionsError.self) { try options("-1").replica() }
        #expect(throws: OptionsError.self) { try options("a b").replica() }
    }

    @Test func theInputIsBoundOrConnectedButNotBoth() throws {
        let input = { (args: [String]) in
            try StageMain.input(StageOptions(arguments: args, known: ["pull", "pull-from"], environment: [:]))
        }
        #expect(try input(["--pull", "tcp://*:5551"]) == Endpoints(bind: ["tcp://*:5551"]))
        #expect(try input(["--pull-from", "tcp://cleaner-0.cleaner:5552, tcp://cleaner-1.cleaner:5552"])
                == Endpoints(connect: ["tcp://cleaner-0.cleaner:5552", "tcp://cleaner-1.cleaner:5552"]))
        #expect(throws: OptionsError.missingOneOf(["pull", "pull-from"])) { try input([]) }
        #expect("\(OptionsError.missingOneOf(["pull", "pull-from"]))"
                == "missing one of --pull, --pull-from (or environment variable MAILROOM_PULL, MAILROOM_PULL_FROM)")
        #expect(throws: OptionsError.self) { try input(["--pull", "ipc:///tmp/a", "--pull-from", "ipc:///tmp/b"]) }
    }

    @Test func aPushOutputIsBoundOrConnectedButNotBoth() throws {
        let spec = { (args: [String]) in
            try StageOutputSpec.push(flag: "push", options: StageOptions(arguments: args, known: ["push", "push-bind"], environment: [:]))
        }
        #expect(try spec(["--push-bind", "tcp://*:5552"]) == .pushBound(["tcp://*:5552"]))
        #expect(try spec(["--push", "ipc:///tmp/a,ipc:///tmp/b"]) == .push(["ipc:///tmp/a", "ipc:///tmp/b"]))
        #expect(throws: OptionsError.missingOneOf(["push-bind", "push"])) { try spec([]) }
        #expect(throws: OptionsError.self) { try spec(["--push", "ipc:///tmp/a", "--push-bind", "ipc:///tmp/b"]) }
    }
}
