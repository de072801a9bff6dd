extension EntityElement {
    /// Every value NAME resolves to, in document order.
    ///
    /// A slash path (`cpu/topology/cores`, `TEMPLATE/QOS`) is followed from this element,
    /// whose own name is not part of it; its last segment may name an XML attribute. A bare
    /// name (`cores`) finds this element's attributes and the elements and attributes below
    /// it of that name. Names ignore ASCII case, since oVirt writes `cpu` where OpenNebula
    /// writes `CPU` and expressions move between the two. An element's value is its own
    /// text; an attribute's is its value. In document order an element comes before its
    /// attributes, and those before its children.
    public func values(named name: String) -> [String] {
        AttributePath(name).values(in: self)
    }
}

/// A name from an expression, prepared once so evaluating it against many hosts only walks
/// their XML.
struct AttributePath: Sendable {
    /// ASCII-lowercased UTF-8 of each segment: compared byte by byte, without building a
    /// lowercased copy of every element name visited.
    private let segments: [[UInt8]]
    /// The name as written, for explanations of a rejection.
    let name: String

    init(_ name: String) {
        self.name = name
        segments = name.split(separator: "/", omittingEmptySubsequences: false).map { segment in
            segment.utf8.map(asciiLowercased)
        }
    }

    /// The value comparisons and ranks use: the first in document order.
    func firstValue(in root: EntityElement) -> String? {
        var first: String?
        visitValues(in: root) { value in
            first = value
            return false
        }
        return first
    }

    func values(in root: EntityElement) -> [String] {
        var values: [String] = []
        visitValues(in: root) { value in
            values.append(value)
            return true
        }
        return values
    }

    /// Whether any value satisfies `predicate`, stopping at the first that does.
    func containsValue(in root: EntityElement, where predicate: (String) -> Bool) -> Bool {
        var found = false
        visitValues(in: root) { value in
            found = predicate(value)
            return !found
        }
        return found
    }

    /// Calls `visit` with each value in document order until it returns false, so a
    /// comparison on the first value does not walk the rest of the document.
    private func visitValues(in root: EntityElement, _ visit: (String) -> Bool) {
        if segments.count == 1 {
            _ = visitDescendants(of: root, named: segments[0], visit)
        } else {
            _ = visitPath(from: root, segment: 0, visit)
        }
    }

    /// Preorder: an element, then its attributes, then its children's subtrees; the root
    /// itself is not a candidate, but its attributes are (oVirt puts the host's `id` there).
    private func visitDescendants(
        of element: EntityElement, named name: [UInt8], _ visit: (String) -> Bool
    ) -> Bool {
        for attribute in element.attributes where hasName(attribute.name, name) {
            guard visit(attribute.value) else { return false }
        }
        for child in element.children {
            if hasName(child.name, name) {
                guard visit(child.text) else { return false }
            }
            guard visitDescendants(of: child, named: name, visit) else { return false }
        }
        return true
    }

    /// Every branch that matches a segment is followed, so `TEMPLATE/PCI/CLASS` yields the
    /// class of each PCI device, not only the first one's.
    private func visitPath(from element: EntityElement, segment index: Int, _ visit: (String) -> Bool) -> Bool {
        let name = segments[index]
        guard index == segments.count - 1 else {
            for child in element.children where hasName(child.name, name) {
                guard visitPath(from: child, segment: index + 1, visit) else { return false }
            }
            return true
        }
        for attribute in element.attributes where hasName(attribute.name, name) {
            guard visit(attribute.value) else { return false }
        }
        for child in element.children where hasName(child.name, name) {
            guard visit(child.text) else { return false }
        }
        return true
    }
}

/// Whether an XML name equals a lowercased segment, ignoring ASCII case only: XML names in
/// oVirt's and OpenNebula's documents are ASCII, and folding only ASCII keeps this cheap.
private func hasName(_ name: String, _ segment: [UInt8]) -> Bool {
    name.utf8.count == segment.count && zip(name.utf8, segment).allSatisfy { asciiLowercased($0) == $1 }
}

private func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
}

/// An attribute's text as a number, or nil if it is not one.
///
/// Only plain decimal notation (sign, digits, optional fraction and exponent) counts, so
/// that text such as `nan`, `inf` or `0x1F`, which `Double(_:)` would accept, compares as
/// text. Surrounding white space is ignored, as XML attribute values may carry it.
func numericValue(of text: String) -> Double? {
    let utf8 = text.utf8
    var start = utf8.startIndex
    var end = utf8.endIndex
    while start < end, isASCIISpace(utf8[start]) {
        start = utf8.index(after: start)
    }
    while start < end, isASCIISpace(utf8[utf8.index(before: end)]) {
        end = utf8.index(before: end)
    }
    var rest = utf8[start..<end]
    func skip(_ accepted: (UInt8) -> Bool) -> Int {
        let before = rest.count
        rest = rest.drop(while: accepted)
        return before - rest.count
    }
    func dropSign() {
        if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") {
            rest = rest.dropFirst()
        }
    }
    dropSign()
    var digits = skip(isASCIIDigit)
    if rest.first == UInt8(ascii: ".") {
        rest = rest.dropFirst()
        digits += skip(isASCIIDigit)
    }
    guard digits > 0 else { return nil }
    if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
        rest = rest.dropFirst()
        dropSign()
        guard skip(isASCIIDigit) > 0 else { return nil }
    }
    guard rest.isEmpty else { return nil }
    return Double(text[start..<end])
}

private func isASCIIDigit(_ byte: UInt8) -> Bool {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
}

private func isASCIISpace(_ byte: UInt8) -> Bool {
    byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
}
