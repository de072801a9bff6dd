import Scheduling
import Testing

@Suite struct NameResolutionTests {
    let ovirt = ExpressionFixtures.ovirtHost
    let openNebula = ExpressionFixtures.openNebulaHost

    @Test func slashPathsStartBelowTheRoot() {
        #expect(ovirt.values(named: "status/state") == ["up"])
        #expect(openNebula.values(named: "TEMPLATE/QOS") == ["GOLD"])
        #expect(openNebula.values(named: "HOST/TEMPLATE/QOS") == [], "the root's own name is not part of a path")
        #expect(ovirt.values(named: "topology/cores") == [], "a path is not searched for at any depth")
    }

    @Test func theLastSegmentMayNameAnAttribute() {
        #expect(ovirt.values(named: "cpu/topology/cores") == ["4"])
        #expect(ovirt.values(named: "os/type") == ["RHEL"])
    }

    @Test func aBareNameFindsElementsAndAttributesAtAnyDepth() {
        #expect(ovirt.values(named: "cores") == ["4"])
        #expect(ovirt.values(named: "state") == ["up"])
        #expect(ovirt.values(named: "id") == ["5f8a2c1e-host-dev-164"], "the root's attributes count")
        #expect(openNebula.values(named: "FREE_CPU") == ["350"])
        #expect(openNebula.values(named: "HOST") == [], "the root element itself is not a candidate")
    }

    @Test func everyMatchComesBackInDocumentOrder() {
        #expect(openNebula.values(named: "TEMPLATE/PCI/CLASS") == ["0300", "0c03"])
        #expect(openNebula.values(named: "CLASS") == ["0300", "0c03"])
    }

    @Test func anElementsAttributesComeBeforeItsChildren() {
        let disk = EntityElement(
            name: "vm",
            children: [
                EntityElement(
                    name: "disk", attributes: [.init(name: "name", value: "attribute")],
                    children: [EntityElement(name: "name", text: "child")]),
                EntityElement(name: "name", text: "later"),
            ])
        #expect(disk.values(named: "name") == ["attribute", "child", "later"])
        #expect(disk.values(named: "disk/name") == ["attribute", "child"])
    }

    @Test func anElementComesBeforeItsDescendants() {
        let nested = EntityElement(
            name: "host",
            children: [
                EntityElement(
                    name: "group", text: "outer",
                    children: [EntityElement(name: "group", text: "inner")])
            ])
        #expect(nested.values(named: "group") == ["outer", "inner"])
    }

    @Test func namesIgnoreASCIICase() {
        #expect(ovirt.values(named: "CPU/Topology/CORES") == ["4"])
        #expect(openNebula.values(named: "template/pci/class") == ["0300", "0c03"])
    }

    @Test func anElementsValueIsItsOwnText() {
        #expect(ovirt.values(named: "cpu") == [""], "cpu has children but no text of its own")
        #expect(ovirt.values(named: "memory") == ["8241807360"])
    }

    @Test func unknownAndMalformedNamesHaveNoValues() {
        #expect(ovirt.values(named: "nosuch") == [])
        #expect(ovirt.values(named: "cpu/nosuch") == [])
        #expect(ovirt.values(named: "") == [])
        #expect(ovirt.values(named: "/cpu/speed") == [])
        #expect(ovirt.values(named: "cpu//speed") == [])
        #expect(ovirt.values(named: "cpu/speed/") == [])
    }
}
