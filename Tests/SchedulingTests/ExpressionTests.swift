import Scheduling
import Testing

/// Entities as the scheduler sees them, built directly rather than parsed so that these
/// tests exercise the expression language alone.
enum ExpressionFixtures {
    /// An oVirt host from the REST API:
    /// `<host id="..."><name>dev-164</name><status><state>up</state></status>
    /// <cpu><topology sockets="1" cores="4" threads="2"/><speed>2926</speed></cpu>
    /// <memory>8241807360</memory><max_scheduling_memory>7837057024</max_scheduling_memory>
    /// <summary><active>0</active></summary><os type="RHEL"/></host>`
    static let ovirtHost = EntityElement(
        name: "host",
        attributes: [.init(name: "id", value: "5f8a2c1e-host-dev-164")],
        children: [
            EntityElement(name: "name", text: "dev-164"),
            EntityElement(name: "status", children: [EntityElement(name: "state", text: "up")]),
            EntityElement(
                name: "cpu",
                children: [
                    EntityElement(
                        name: "topology",
                        attributes: [
                            .init(name: "sockets", value: "1"),
                            .init(name: "cores", value: "4"),
                            .init(name: "threads", value: "2"),
                        ]),
                    EntityElement(name: "speed", text: "2926"),
                ]),
            EntityElement(name: "memory", text: "8241807360"),
            EntityElement(name: "max_scheduling_memory", text: "7837057024"),
            EntityElement(name: "summary", children: [EntityElement(name: "active", text: "0")]),
            EntityElement(name: "os", attributes: [.init(name: "type", value: "RHEL")]),
        ])

    /// An OpenNebula host from its pool:
    /// `<HOST><ID>3</ID><NAME>host03</NAME><TEMPLATE><QOS>GOLD</QOS><HYPERVISOR>kvm</HYPERVISOR>
    /// <PCI><CLASS>0300</CLASS></PCI><PCI><CLASS>0c03</CLASS></PCI></TEMPLATE>
    /// <HOST_SHARE><FREE_CPU>350</FREE_CPU><FREE_MEM>2048</FREE_MEM><RUNNING_VMS>2</RUNNING_VMS>
    /// </HOST_SHARE></HOST>`
    static let openNebulaHost = EntityElement(
        name: "HOST",
        children: [
            EntityElement(name: "ID", text: "3"),
            EntityElement(name: "NAME", text: "host03"),
            EntityElement(
                name: "TEMPLATE",
                children: [
                    EntityElement(name: "QOS", text: "GOLD"),
                    EntityElement(name: "HYPERVISOR", text: "kvm"),
                    EntityElement(name: "PCI", children: [EntityElement(name: "CLASS", text: "0300")]),
                    EntityElement(name: "PCI", children: [EntityElement(name: "CLASS", text: "0c03")]),
                ]),
            EntityElement(
                name: "HOST_SHARE",
                children: [
                    EntityElement(name: "FREE_CPU", text: "350"),
                    EntityElement(name: "FREE_MEM", text: "2048"),
                    EntityElement(name: "RUNNING_VMS", text: "2"),
                ]),
        ])

    /// A host with one element of text, for values the fixtures above do not have.
    static func host(_ name: String, _ text: String) -> EntityElement {
        EntityElement(name: "host", children: [EntityElement(name: name, text: text)])
    }
}

private func ovirt(_ source: String) throws -> Bool {
    try Requirement(parsing: source).isSatisfied(by: ExpressionFixtures.ovirtHost)
}

private func openNebula(_ source: String) throws -> Bool {
    try Requirement(parsing: source).isSatisfied(by: ExpressionFixtures.openNebulaHost)
}

@Suite struct RequirementOperatorTests {
    @Test func equalMatchesTheFirstValue() throws {
        #expect(try ovirt("status/state = up"))
        #expect(try !ovirt("status/state = down"))
        #expect(try openNebula("HYPERVISOR = kvm"))
        #expect(try openNebula("TEMPLATE/QOS = \"GOLD\""))
    }

    @Test func notEqualIsTheNegationForAPresentValue() throws {
        #expect(try ovirt("status/state != maintenance"))
        #expect(try !ovirt("status/state != up"))
        #expect(try openNebula("NAME != \"host1*\""))
        #expect(try !openNebula("NAME != \"host0*\""))
    }

    @Test func greaterAndLessCompareNumbers() throws {
        #expect(try ovirt("memory > 8000000000"))
        #expect(try !ovirt("memory < 8000000000"))
        #expect(try !ovirt("cpu/speed > 2926"), "the comparison is strict")
        #expect(try !ovirt("cpu/speed < 2926"))
        #expect(try ovirt("cpu/speed < 2926.5"))
        #expect(try openNebula("FREE_CPU > -1"))
        #expect(try !openNebula("FREE_CPU < -1.5"))
    }

    @Test func containsLooksAtEveryRepeatedElement() throws {
        #expect(try openNebula("TEMPLATE/PCI/CLASS @> \"0c03\""))
        #expect(try openNebula("TEMPLATE/PCI/CLASS @> \"0300\""))
        #expect(try openNebula("PCI/CLASS @> \"0c*\"") == false, "paths start at the root element")
        #expect(try openNebula("CLASS @> \"0c*\""), "a bare name finds every CLASS at any depth")
        #expect(try !openNebula("TEMPLATE/PCI/CLASS @> \"0200\""))
    }

    @Test func equalOnARepeatedElementSeesOnlyTheFirst() throws {
        #expect(try openNebula("TEMPLATE/PCI/CLASS = \"0300\""))
        #expect(try !openNebula("TEMPLATE/PCI/CLASS = \"0c03\""))
        #expect(try openNebula("TEMPLATE/PCI/CLASS != \"0c03\""))
    }

    @Test func containsWithANumberComparesNumerically() throws {
        #expect(try openNebula("TEMPLATE/PCI/CLASS @> 300"), "\"0300\" is the number 300")
        #expect(try !openNebula("TEMPLATE/PCI/CLASS @> \"300\""), "a quoted value is matched as text")
        #expect(try !openNebula("TEMPLATE/PCI/CLASS @> 3"))
    }
}

@Suite struct RequirementPrecedenceTests {
    // On the OpenNebula host: HYPERVISOR = kvm holds, QOS = SILVER and FREE_MEM > 4096 do not.

    @Test func andAndOrAssociateLeftAtEqualPrecedence() throws {
        // (true | false) & false, where the usual precedence would give true | (false & false).
        #expect(try !openNebula("HYPERVISOR = kvm | QOS = SILVER & FREE_MEM > 4096"))
        #expect(try !openNebula("(HYPERVISOR = kvm | QOS = SILVER) & FREE_MEM > 4096"))
        #expect(try openNebula("HYPERVISOR = kvm | (QOS = SILVER & FREE_MEM > 4096)"))
        // (false & false) | true.
        #expect(try openNebula("QOS = SILVER & FREE_MEM > 4096 | HYPERVISOR = kvm"))
    }

    @Test func notAppliesToTheNextConditionOnly() throws {
        // (!false) & false, not !(false & false).
        #expect(try !openNebula("! QOS = SILVER & FREE_MEM > 4096"))
        #expect(try openNebula("!(QOS = SILVER & FREE_MEM > 4096)"))
        // ((true & !false) | false).
        #expect(try openNebula("HYPERVISOR = kvm & !QOS = SILVER | FREE_MEM > 4096"))
        #expect(try !openNebula("!HYPERVISOR = kvm"))
        #expect(try openNebula("!!HYPERVISOR = kvm"))
        #expect(try !openNebula("! ! ! HYPERVISOR = kvm"))
    }

    @Test func parenthesesGroup() throws {
        #expect(try openNebula("((HYPERVISOR = kvm))"))
        #expect(try openNebula("(QOS = GOLD | QOS = SILVER) & (FREE_CPU > 100 & RUNNING_VMS < 10)"))
        #expect(try !openNebula("(QOS = GOLD | QOS = SILVER) & !(FREE_CPU > 100 & RUNNING_VMS < 10)"))
    }
}

@Suite struct RequirementMatchingTests {
    @Test(arguments: [
        ("host0*", true),
        ("*03", true),
        ("*", true),
        ("host0?", true),
        ("host?", false),
        ("host0?x", false),
        ("host[0-9][0-9]", true),
        ("host[!0]3", false),
        ("host[!1-9]3", true),
        ("host[^0]3", false),
        ("host[01]3", true),
        ("[[:alpha:]]*[[:digit:]]", true),
        ("HOST*", false),
        ("host", false),
        ("host03x", false),
        ("host[03", false),
    ])
    func globbing(pattern: String, matches: Bool) throws {
        #expect(try openNebula("NAME = \"\(pattern)\"") == matches)
    }

    @Test func wildcardsCanBeQuoted() throws {
        let starred = ExpressionFixtures.host("label", "gpu*")
        let plain = ExpressionFixtures.host("label", "gpu0")
        let literalStar = try Requirement(parsing: #"label = "gpu\*""#)
        #expect(literalStar.isSatisfied(by: starred))
        #expect(!literalStar.isSatisfied(by: plain))
    }

    @Test func anUnclosedBracketIsAnOrdinaryCharacter() throws {
        #expect(try Requirement(parsing: "label = \"a[b\"").isSatisfied(by: ExpressionFixtures.host("label", "a[b")))
    }

    @Test func starsSpanSlashesAndDots() throws {
        let path = ExpressionFixtures.host("path", "/var/lib/.images/disk.qcow2")
        #expect(try Requirement(parsing: "path = \"*.qcow2\"").isSatisfied(by: path))
        #expect(try Requirement(parsing: "path = \"/var/*\"").isSatisfied(by: path))
    }

    @Test func bareWordsAreValues() throws {
        #expect(try ovirt("name = dev-164"))
        #expect(try ovirt("os/type = RHEL"))
        #expect(try !ovirt("os/type = rhel"), "values are case-sensitive")
    }

    @Test func anUnquotedNumberComparesNumerically() throws {
        let decimal = ExpressionFixtures.host("cores", "4.0")
        #expect(try Requirement(parsing: "cores = 4").isSatisfied(by: decimal))
        #expect(try Requirement(parsing: "cores = 4.0").isSatisfied(by: decimal))
        #expect(try !Requirement(parsing: "cores != 4").isSatisfied(by: decimal))
        #expect(try ovirt("cpu/topology/cores = 4"))
        #expect(try ovirt("cpu/topology/cores != 8"))
        #expect(try ovirt("summary/active = 0"))
        #expect(try ovirt("summary/active = -0"))
    }

    @Test func aQuotedNumberComparesAsText() throws {
        let decimal = ExpressionFixtures.host("cores", "4.0")
        #expect(try !Requirement(parsing: "cores = \"4\"").isSatisfied(by: decimal))
        #expect(try Requirement(parsing: "cores = \"4*\"").isSatisfied(by: decimal))
        #expect(try Requirement(parsing: "cores != \"4\"").isSatisfied(by: decimal))
    }

    @Test func aNumberNeverEqualsText() throws {
        #expect(try !ovirt("name = 164"))
        #expect(try !ovirt("name != 164"), "text is not a number, so neither = nor != holds")
        #expect(try !ovirt("name > 1"))
        #expect(try !ovirt("name < 1"))
        #expect(try !openNebula("TEMPLATE/PCI/CLASS @> 0"), "0c03 is not a number")
    }

    @Test func specialFloatingPointWordsAreText() throws {
        for text in ["nan", "inf", "infinity", "0x10"] {
            let host = ExpressionFixtures.host("speed", text)
            #expect(try !Requirement(parsing: "speed > 0").isSatisfied(by: host), "\(text)")
            #expect(try !Requirement(parsing: "speed < 0").isSatisfied(by: host), "\(text)")
        }
    }

    @Test func emptyTextMatchesAnEmptyPattern() throws {
        #expect(try ovirt("cpu = \"\""), "an element with only children has empty text")
        #expect(try !ovirt("name = \"\""))
        #expect(try ovirt("name != \"\""))
    }
}

@Suite struct RequirementMissingAttributeTests {
    @Test(arguments: [
        "nosuch = up", "nosuch != up", "nosuch > 0", "nosuch < 0", "nosuch @> up", "nosuch = 0", "nosuch != 0",
        "nosuch = \"*\"", "nosuch @> \"*\"", "topology/cores = 4", "host/name = dev-164",
    ])
    func isFalse(source: String) throws {
        #expect(try !ovirt(source))
    }

    @Test func negatingAComparisonOnAMissingAttributeHolds() throws {
        #expect(try ovirt("!(nosuch = up)"))
        #expect(try ovirt("!nosuch != up"))
    }
}

@Suite struct EmptyRequirementTests {
    @Test(arguments: ["", " ", "\t\n  "])
    func acceptsEveryEntity(source: String) throws {
        let requirement = try Requirement(parsing: source)
        #expect(requirement.isSatisfied(by: ExpressionFixtures.ovirtHost))
        #expect(requirement.isSatisfied(by: EntityElement(name: "host")))
    }
}

@Suite struct RequirementNameTests {
    @Test func namesIgnoreCase() throws {
        #expect(try ovirt("STATUS/State = up"))
        #expect(try ovirt("CPU/TOPOLOGY/CORES = 4"))
        #expect(try openNebula("hypervisor = kvm"))
        #expect(try openNebula("template/qos = GOLD"))
    }

    @Test func slashPathsAndAttributes() throws {
        #expect(try ovirt("cpu/topology/cores = 4"), "the last segment names an attribute")
        #expect(try ovirt("cores = 4 & threads = 2 & sockets = 1"), "a bare name finds attributes too")
        #expect(try ovirt("id = \"5f8a2c1e-*\""), "the root's attributes count")
        #expect(try openNebula("HOST_SHARE/FREE_MEM > 1024"))
        #expect(try openNebula("FREE_MEM > 1024"))
    }

    @Test func aBareNameUsesTheFirstInDocumentOrder() throws {
        // The cluster's name comes before the host's own in the document.
        let host = EntityElement(
            name: "host",
            children: [
                EntityElement(name: "cluster", children: [EntityElement(name: "name", text: "Default")]),
                EntityElement(name: "name", text: "dev-164"),
            ])
        #expect(try Requirement(parsing: "name = Default").isSatisfied(by: host))
        #expect(try !Requirement(parsing: "name = dev-164").isSatisfied(by: host))
        #expect(try Requirement(parsing: "name @> dev-164").isSatisfied(by: host))
        #expect(try Requirement(parsing: "cluster/name = Default & name != dev-164").isSatisfied(by: host))
    }

    @Test func namesMayHoldDotsDashesAndUnderscores() throws {
        let host = EntityElement(
            name: "host",
            children: [
                EntityElement(name: "kernel.version", text: "6.1"),
                EntityElement(name: "vdsm-version", text: "4.50"),
                EntityElement(name: "_private", text: "yes"),
            ])
        let requirement = try Requirement(parsing: "kernel.version = 6.1 & vdsm-version > 4 & _private = yes")
        #expect(requirement.isSatisfied(by: host))
    }

    @Test func aLongRequirementEvaluates() throws {
        let clauses = Array(repeating: "FREE_CPU > 100", count: 3_000) + ["HYPERVISOR = xen"]
        #expect(try !openNebula(clauses.joined(separator: " & ")))
        #expect(try openNebula(clauses.joined(separator: " | ")))
        #expect(try openNebula(String(repeating: "!", count: 60_000) + "HYPERVISOR = kvm"))
    }

    @Test func keepsItsSource() throws {
        #expect(try Requirement(parsing: "FREE_CPU > 100").source == "FREE_CPU > 100")
    }
}
