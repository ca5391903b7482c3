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
}
