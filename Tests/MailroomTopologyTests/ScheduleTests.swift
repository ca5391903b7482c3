// ScheduleTests: `[schedule NAME]` sections and the systemd units rendered from them (checked by systemd-analyze
// where the machine has it).
import Foundation
import MailroomTestSupport
import Testing
@testable import MailroomTopology

@Suite("Schedules")
struct ScheduleTests {
    static let text = pipelineText() + """

        [schedule retrain]
        on_calendar = "*-*-01 03:00:00"
        args = retrain --registry {model}/registry --by schedule
        """

    @Test func aScheduleSectionIsReadWithItsVariablesExpanded() throws {
        let topology = try Topology.parse(Self.text, file: "t.topology")
        let s = try #require(topology.schedules.first)
        #expect(topology.schedules.count == 1 && s.name == "retrain" && s.onCalendar == "*-*-01 03:00:00")
        #expect(s.arguments == ["retrain", "--registry", "/models/my model/registry", "--by", "schedule"])
        #expect(try Topology.load(path: RepositoryPaths.file("Topology/mailroom.topology")).schedules.map(\.name) == ["retrain"],
                "the shipped topology schedules the monthly retrain")
    }

    @Test func scheduleErrorsNameTheLineAndTheFix() {
        #expect(throws: TopologyError.self) { try Topology.parse(pipelineText() + "\n[schedule retrain]\nargs = retrain\n", file: "t") }
        do {
            _ = try Topology.parse(pipelineText() + "\n[schedule retrain]\non_calendar = monthly\nargs = retrain\nwhen = now\n", file: "t")
            Issue.record("an unknown key was accepted")
        } catch {
            #expect("\(error)".contains("unknown key 'when' in [schedule retrain]") && "\(error)".contains("on_calendar and args"))
        }
    }

    @Test func unitsRunTheCommandOnTheCalendarAndCatchUp() throws {
        let topology = try Topology.parse(Self.text, file: "t.topology")
        let files = ScheduleUnits.render(topology, mailroom: "/opt/mailroom/bin/mailroom", workingDirectory: "/srv/mail room")
        #expect(files.keys.sorted() == ["mailroom-test-retrain.service", "mailroom-test-retrain.timer"])
        let service = try #require(files["mailroom-test-retrain.service"]), timer = try #require(files["mailroom-test-retrain.timer"])
        #expect(service.contains("ExecStart=/opt/mailroom/bin/mailroom retrain --registry \"/models/my model/registry\" --by schedule\n"))
        #expect(service.contains("WorkingDirectory=\"/srv/mail room\"") && service.contains("Type=oneshot"))
        #expect(timer.contains("OnCalendar=*-*-01 03:00:00\n") && timer.contains("Persistent=true\n")
                && timer.contains("Unit=mailroom-test-retrain.service") && timer.contains("WantedBy=timers.target\n"))

        // systemd's own checker, where the machine has it (Debian's systemd package).
        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { return }
        let dir = NSTemporaryDirectory() + "mailroom-units-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let real = ScheduleUnits.render(topology, mailroom: "/bin/true", workingDirectory: "/tmp")
        for (name, text) in real { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        for args in [["verify", dir + "/mailroom-test-retrain.timer", dir + "/mailroom-test-retrain.service"],
                     ["calendar", "*-*-01 03:00:00"]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: analyze)
            p.arguments = args
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(p.terminationStatus == 0 && message.isEmpty, "systemd-analyze \(args[0]): \(message)")
        }
    }

    @Test func kubernetesCronJobsForbidOverlapAndNeedACronExpression() throws {
        // A systemd-only OnCalendar expression has no cron form: the error says what to add.
        let topology = try Topology.parse(Self.text, file: "test.topology")
        #expect(throws: TopologyError.self) { try ScheduleCronJobs.render(topology, image: "mailroom:1") }
        let withCron = try Topology.parse(Self.text.replacingOccurrences(of: "args = retrain", with: "cron = 0 3 1 * *\nargs = retrain"),
                                          file: "test.topology")
        let files = try ScheduleCronJobs.render(withCron, image: "registry.example/mailroom:1.2")
        let job = try #require(files["cronjob-retrain.yaml"])
        for line in ["kind: CronJob", "concurrencyPolicy: Forbid", "schedule: \"0 3 1 * *\"", "startingDeadlineSeconds: 86400",
                     "backoffLimit: 0", "image: \"registry.example/mailroom:1.2\"", "- \"/models/my model/registry\"",
                     "runAsNonRoot: true", "claimName: mailroom-state"] {
            #expect(job.contains(line), "missing: \(line)")
        }
        // The shipped topology says `monthly`, whose cron form is derived.
        let shipped = try Topology.load(path: RepositoryPaths.file("Topology/mailroom.topology"))
        #expect(try ScheduleCronJobs.render(shipped, image: "m").values.first?.contains("schedule: \"0 0 1 * *\"") == true)
        #expect(throws: TopologyError.self) {
            try Topology.parse(Self.text.replacingOccurrences(of: "args = retrain", with: "cron = every month\nargs = retrain"), file: "t")
        }
        #expect(ScheduleCronJobs.dnsLabel("Mailroom_Default Retrain") == "mailroom-default-retrain")
    }
}
