import Foundation
import Scheduling
import Testing

/// The oVirt REST samples shared by the team, beside the repository.
enum SharedFixtures {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/fixtures/ovirt-rest")

    static func text(_ name: String) -> String {
        let path = folder.appendingPathComponent(name).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            fatalError("missing shared fixture \(path): the tests expect ../shared beside the repository")
        }
        return text
    }

    static var host: String { text("singlehost.xml") }
    static var vm: String { text("singlevm.xml") }

    /// `count` copies of the sample host with ids host-0, host-1...
    static func hosts(_ count: Int) -> String {
        let sample = host
        let id = "dae2bb4c-a94e-4142-9206-895eff333450"
        let start = sample.range(of: "<host ")!.lowerBound
        let end = sample.range(of: "</host>")!.upperBound
        let element = String(sample[start..<end])
        let copies = (0..<count).map { element.replacingOccurrences(of: id, with: "host-\($0)") }
        return "<hosts>\n" + copies.joined(separator: "\n") + "\n</hosts>"
    }
}

@Suite struct EntityXMLTests {
    /// libxml2 checks an element's attributes against each other pair by pair before it
    /// reports the element: 200,000 of them took 13 s. Refused before libxml2 starts.
    @Test func aHostWithTooManyAttributesIsRefusedNamingTheLimit() throws {
        let many = (0..<200_000).map { " a\($0)='1'" }.joined()
        #expect {
            try EntityXML.entities(in: "<hosts>\n<host id='h'\(many)/></hosts>")
        } throws: { error in
            "\(error)" == "line 2: an element has more than 64 attributes (the limit per element)"
        }
    }

    @Test func theRESTSampleHostIsOneEntityWithItsIdAndChildren() throws {
        let hosts = try EntityXML.entities(in: SharedFixtures.host)
        #expect(hosts.count == 1)
        let host = try #require(hosts.first)
        #expect(host.id == "dae2bb4c-a94e-4142-9206-895eff333450")
        #expect(host.kind == "host")
        #expect(host.element.child("name")?.text == "dev-164")
        #expect(host.element.child("cpu")?.child("topology")?.attribute("cores") == "4")
        #expect(host.element.child("status")?.child("state")?.text == "up")
    }

    @Test func aSingleVMDocumentIsOneEntity() throws {
        let vms = try EntityXML.entities(in: SharedFixtures.vm)
        #expect(vms.map(\.id) == ["d9226436-2233-406d-8927-dd6b1a10083c"])
        #expect(vms.first?.element.child("memory")?.text == "1073741824")
    }

    @Test func openNebulaPoolsUseTheIDElement() throws {
        let pool = "<HOST_POOL><HOST><ID>3</ID><NAME>a</NAME></HOST><HOST><ID>7</ID></HOST></HOST_POOL>"
        #expect(try EntityXML.entities(in: pool).map(\.id) == ["3", "7"])
    }

    @Test func aCollectionMemberWithoutAnIdIsNamed() {
        #expect {
            try EntityXML.entities(in: "<hosts><host id='a'/><host><name>x</name></host></hosts>")
        } throws: { "\($0)".contains("<host> (element 2 of <hosts>) has no id") }
    }

    @Test func argumentsAreDocumentsOnlyWhenTheyStartWithAnAngleBracket() {
        #expect(EntityXML.isDocument("  \n<host id='a'/>"))
        #expect(!EntityXML.isDocument("dae2bb4c-a94e"))
        #expect(!EntityXML.isDocument(""))
    }

    @Test func malformedXMLSaysWhere() {
        #expect {
            try EntityXML.entities(in: "<host id='a'>\n<name>x</nam>\n</host>")
        } throws: { "\($0)".hasPrefix("line 2:") }
    }

    @Test func aDoctypeIsRefusedSoNoEntityIsEverExpanded() {
        let bomb = """
            <?xml version="1.0"?>
            <!DOCTYPE host [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
            <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
            <host id="x"><name>&d;&d;&d;&d;&d;&d;&d;&d;</name></host>
            """
        #expect { try EntityXML.entities(in: bomb) } throws: { "\($0)".contains("DOCTYPE is not allowed") }
        let external = """
            <!DOCTYPE host [<!ENTITY secret SYSTEM "file:///etc/passwd">]><host id="x"><name>&secret;</name></host>
            """
        #expect { try EntityXML.entities(in: external) } throws: { "\($0)".contains("DOCTYPE is not allowed") }
    }

    @Test func anElementsTextIsItsOwnTextJoinedAroundCommentsCDATAAndChildrenThenTrimmed() throws {
        let host = try EntityXML.parse(
            """
            <host id="a&amp;b" note='x &lt; y'>
              <name> left<!-- a comment -->right <![CDATA[<raw> & text]]> </name>
              <comment>before <b>bold</b> after</comment>
              <empty/><blank>  \n  </blank>
            </host>
            """)
        #expect(host.attribute("id") == "a&b")
        #expect(host.attribute("note") == "x < y")
        #expect(host.text == "")
        #expect(host.child("name")?.text == "leftright <raw> & text")
        #expect(host.child("comment")?.text == "before  after")
        #expect(host.child("comment")?.child("b")?.text == "bold")
        #expect(host.child("empty")?.text == "")
        #expect(host.child("blank")?.text == "")
    }

    @Test func oneReaderReadsManyDocumentsAndAFailureDoesNotSpillIntoTheNext() throws {
        var reader = EntityXMLReader()
        let first = try reader.entities(in: "<host id='1'><name>one</name></host>")
        #expect(throws: EntityXMLError.self) { try reader.entities(in: "<host id='2'><name>two</host>") }
        #expect(throws: EntityXMLError.self) { try reader.entities(in: "<!DOCTYPE x []><host id='3'/>") }
        let hosts = try reader.entities(in: "<hosts><host id='4'><name>four</name></host><host id='5'/></hosts>")
        #expect(first.map(\.id) == ["1"])
        #expect(first.first?.element.child("name")?.text == "one")
        #expect(hosts.map(\.id) == ["4", "5"])
        #expect(hosts.first?.element.child("name")?.text == "four")
    }

    @Test func depthAndSizeAreBounded() {
        let deep = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect { try EntityXML.parse(deep) } throws: { "\($0)".contains("nested more than 64 deep") }
        #expect {
            try EntityXML.parse("<host id='a'/>", limits: EntityXMLLimits(maxBytes: 5))
        } throws: { "\($0)".contains("larger than 5 bytes") }
        #expect {
            try EntityXML.parse(SharedFixtures.hosts(3), limits: EntityXMLLimits(maxElements: 50))
        } throws: { "\($0)".contains("more than 50 elements") }
    }
}
