import Scheduling
import Testing

@testable import SchedulerServer

@Suite struct OpenNebulaExternalRequestTests {
    func refusal(_ text: String) -> String? {
        do {
            _ = try OpenNebulaExternalRequest(Array(text.utf8))
            return nil
        } catch {
            return error.message
        }
    }

    @Test func openNebulasExampleReadsWithIdsAsSentAndAttributesAsElements() throws {
        let body = """
            {"VMS": [{"VM_ATTRIBUTES": {"GNAME": "users", "UNAME": "userA", "TAGS": ["a", "b"], "ON": true},
              "CAPACITY": {"CPU": 1.5, "DISK_SIZE": 1024, "MEMORY": 131072},
              "HOST_IDS": [4, 5], "HOST_ID": 3, "ID": 34, "STATE": "RUNNING"},
             {"ID": "35", "HOST_IDS": ["7"]}]}
            """
        let vms = try OpenNebulaExternalRequest(Array(body.utf8)).vms
        #expect(vms.count == 2)
        #expect(vms[0].id == .number(34) && vms[0].currentHost == .number(3) && vms[0].state == "RUNNING")
        #expect(vms[0].hostIDs == [.number(4), .number(5)])
        #expect(vms[0].capacity == VMCapacity(cpu: 1.5, memoryKB: 131072, diskMB: 1024))
        #expect(vms[0].attributes.map(\.name) == ["GNAME", "ON", "TAGS", "TAGS", "UNAME"])
        #expect(vms[0].attribute("ON") == "YES")
        #expect(vms[1].id == .text("35") && vms[1].hostIDs == [.text("7")] && vms[1].capacity == VMCapacity())
    }

    @Test func boundsAreCheckedBeforeDecoding() {
        #expect(
            refusal(String(repeating: "[", count: 17) + String(repeating: "]", count: 17))?.contains("deeper") == true)
        // Brackets inside strings are text, not nesting.
        #expect(refusal("{\"VMS\": [], \"x\": \"" + String(repeating: "[", count: 100) + "\"}") == nil)
        let many = "{\"VMS\": [], \"x\": [" + Array(repeating: "0", count: 2_000_001).joined(separator: ",") + "]}"
        #expect(refusal(many)?.contains("more than 2000000 values") == true)
    }

    @Test func eachFieldIsCheckedWithItsName() {
        #expect(refusal("{}")?.contains("an array \"VMS\"") == true)
        #expect(refusal("{\"VMS\": [{\"ID\": 1.5, \"HOST_IDS\": []}]}") == "VMS[0].ID must be a number or a string")
        #expect(
            refusal("{\"VMS\": [{\"ID\": 1, \"HOST_IDS\": [null]}]}")
                == "VMS[0].HOST_IDS[0] must be a number or a string")
        #expect(refusal("{\"VMS\": [{\"ID\": 1, \"HOST_IDS\": [], \"STATE\": 3}]}") == "VMS[0].STATE must be a string")
        #expect(
            refusal("{\"VMS\": [{\"ID\": 1, \"HOST_IDS\": [], \"CAPACITY\": {\"MEMORY\": \"x\"}}]}")
                == "VMS[0].CAPACITY.MEMORY must be a number of at least 0")
    }
}
