import EmbeddedPython

/// Builds the Python objects a plugin gets for hosts and VMs, with the GIL held.
///
/// An entity is an `Entity` (a `str` subclass whose value is the id) carrying the
/// XML's attributes and child elements as Python attributes; a child element with
/// attributes or children is an `Element` (or an `Entity` when it has an id, like
/// `host.cluster`), one with only text is a scalar, and repeated children are a list.
struct PythonEntities: ~Copyable {
    private let entityClass: PythonHandle
    private let elementClass: PythonHandle
    /// Attribute names as interned Python strings, made once per name per batch.
    private var keys: [String: PythonHandle] = [:]

    init(entityClass: PythonHandle, elementClass: PythonHandle) {
        self.entityClass = entityClass
        self.elementClass = elementClass
    }

    mutating func object(for entity: Entity, _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        let object = try entityClass.bind(gil).call(gil.string(entity.id))
        try fill(object, from: entity.element, gil)
        return object
    }

    private mutating func value(of element: EntityElement, _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        if element.attributes.isEmpty && element.children.isEmpty {
            return scalar(element.text, gil)
        }
        let object: PyOwned
        if let id = element.attribute("id") {
            object = try entityClass.bind(gil).call(gil.string(id))
        } else {
            object = try elementClass.bind(gil).call()
        }
        try fill(object, from: element, gil)
        return object
    }

    private mutating func fill(_ object: borrowing PyOwned, from element: EntityElement, _ gil: borrowing GIL)
        throws(PythonError)
    {
        let attributes = try object.instanceDictionary()
        for attribute in element.attributes {
            try attributes.setItem(key(attribute.name, gil), scalar(attribute.value, gil))
        }
        if !element.text.isEmpty {
            try attributes.setItem(key("text", gil), scalar(element.text, gil))
        }
        for child in element.children {
            let name = key(child.name, gil)
            let value = try value(of: child, gil)
            // Converted values are never lists themselves, so a list here is a repeated element's.
            if let earlier = try attributes.dictItem(name) {
                if earlier.isExactList {
                    try earlier.append(value)
                } else {
                    try attributes.setItem(name, gil.list(earlier, value))
                }
            } else {
                try attributes.setItem(name, value)
            }
        }
    }

    private mutating func key(_ xmlName: String, _ gil: borrowing GIL) -> PyBorrowed {
        if let known = keys[xmlName] { return known.bind(gil) }
        let made = gil.internedString(Self.pythonName(xmlName)).shared()
        keys[xmlName] = made
        return made.bind(gil)
    }

    /// An XML name as a Python identifier: the local name, other characters as `_`.
    static func pythonName(_ xmlName: String) -> String {
        let local = xmlName.split(separator: ":").last.map(String.init) ?? xmlName
        var name = String(
            String.UnicodeScalarView(
                local.unicodeScalars.map { $0.properties.isXIDContinue ? $0 : "_" }))
        if let first = name.unicodeScalars.first, !first.properties.isXIDStart, first != "_" {
            name = "_" + name
        }
        return name.isEmpty ? "_" : name
    }

    private func scalar(_ text: String, _ gil: borrowing GIL) -> PyOwned {
        switch ScalarText(text) {
        case .integer(let value): gil.int(value)
        case .decimal(let value): gil.float(value)
        case .boolean(let value): gil.bool(value)
        case .text: gil.string(text)
        }
    }
}

/// What an XML text means to a plugin: `true`/`false`, a number, or text.
///
/// Text that only looks numeric stays text when the number would lose something:
/// leading zeros (`0300`, a PCI class), a plus sign, or more digits than fit.
enum ScalarText: Equatable {
    case integer(Int)
    case decimal(Double)
    case boolean(Bool)
    case text

    init(_ text: String) {
        switch text {
        case "true": self = .boolean(true)
        case "false": self = .boolean(false)
        default: self = Self.number(text) ?? .text
        }
    }

    private static func number(_ text: String) -> ScalarText? {
        var utf8 = Substring(text).utf8
        guard let first = utf8.first, first == UInt8(ascii: "-") || isDigit(first) else { return nil }
        if first == UInt8(ascii: "-") { utf8 = utf8.dropFirst() }
        let integerPart = utf8.prefix(while: isDigit)
        guard !integerPart.isEmpty, integerPart.count == 1 || integerPart.first != UInt8(ascii: "0") else {
            return nil
        }
        let rest = utf8.dropFirst(integerPart.count)
        if rest.isEmpty {
            return Int(text).map { .integer($0) }
        }
        guard rest.first == UInt8(ascii: "."), rest.count > 1, rest.dropFirst().allSatisfy(isDigit) else { return nil }
        return Double(text).map { .decimal($0) }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
