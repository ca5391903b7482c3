// StageOptionsTests: flags, their MAILROOM_* environment twins, and the errors for bad command lines.
import MailroomRuntime
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
}
