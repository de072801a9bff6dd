import Scheduling
import Testing

@Suite struct FileLocationTests {
    @Test func aLineIsWrittenAsCompilersWriteIt() {
        let location = FileLocation(file: "plugins/max_vms.py", line: 12)
        #expect(location.description == "plugins/max_vms.py:12")
        #expect(location.describe("bad value") == "plugins/max_vms.py:12: bad value")
    }

    @Test func withoutALineOnlyTheFileIsNamed() {
        let location = FileLocation(file: "/etc/scheduler-proxy/scheduler.conf", line: 0)
        #expect(location.description == "/etc/scheduler-proxy/scheduler.conf")
        #expect(location.describe("cannot read it") == "/etc/scheduler-proxy/scheduler.conf: cannot read it")
    }

    @Test func aPluginLoadErrorSaysWhereInTheSameForm() {
        #expect("\(PluginLoadError(file: "a.py", line: 3, message: "no class"))" == "a.py:3: no class")
        #expect("\(PluginLoadError(file: "a.conf", line: 0, message: "bad key"))" == "a.conf: bad key")
    }
}
