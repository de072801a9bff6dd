import EmbeddedPython

/// Makes the Python objects plugins get for hosts and VMs (`Entity`, `Element`).
///
/// An entity is an `Entity` (a `str` subclass whose value is the id) carrying the
/// XML's attributes and child elements as Python attributes; a child element with
/// attributes or children is an `Element` (or an `Entity` when it has an id, like
/// `host.cluster`), one with only text is a scalar, and repeated children are a list.
/// An element named like a `str` method (`<lower>`) is stored like any other, but the
/// classes make such names data descriptors (`_protect_entity_classes` in the runtime):
/// `host.lower` stays the method, and the element is `host.get_lower()`.
///
/// Objects are made with their XML attached, and each attribute is made from it the
/// first time a plugin reads it (`attribute`): a filter that reads two attributes of a
/// host pays for those two, not for the host's thirty. Whatever lists all attributes
/// (`vars()`, `dir()`, pickle, `==`) fills the rest (`expand`). A plugin sees the same
/// as if the whole XML had been expanded at its first read: see `EntityNode.isTouched`.
public final class PythonEntityFactory: Sendable {
    let entityClass: PythonHandle
    let elementClass: PythonHandle
    /// Interned once: set on every object made.
    let xmlKey: PythonHandle
    let attributeNames = AttributeNames()

    /// Takes the classes from the plugin runtime's namespace and gives it `_expanded`.
    init(runtimeNamespace namespace: borrowing PyOwned, _ gil: borrowing GIL) throws(PythonError) {
        func runtimeClass(_ name: String) throws(PythonError) -> PythonHandle {
            guard let value = try namespace.item(forKey: name) else {
                throw PythonError(message: "plugin runtime has no \(name)")
            }
            return value.shared()
        }
        entityClass = try runtimeClass("Entity")
        elementClass = try runtimeClass("Element")
        xmlKey = gil.internedString("_xml").shared()
        let builder = PythonEntities(
            entityClass: entityClass, elementClass: elementClass, xmlKey: xmlKey, names: attributeNames)
        try namespace.setItem(
            "_expanded",
            gil.nativeFunction(named: "_expanded") { (gil, arguments) throws(PythonError) in
                try builder.expand(arguments.argument(0), gil)
            })
        try namespace.setItem(
            "_attribute",
            gil.nativeFunction(named: "_attribute") { (gil, arguments) throws(PythonError) in
                try builder.attribute(arguments.argument(1), of: arguments.argument(0), gil)
                    ?? arguments.argument(2).retained()
            })
    }

    /// The plugin runtime's classes, for code that marshals entities outside a plugin call.
    public convenience init(_ gil: borrowing GIL) throws(PythonError) {
        let runtime = try PluginRuntime(gil)
        self.init(runtime.entities)
    }

    private init(_ other: PythonEntityFactory) {
        entityClass = other.entityClass
        elementClass = other.elementClass
        xmlKey = other.xmlKey
    }

    /// A unit's `hosts` argument, a list of its own: entities where the request or the
    /// inventory described the host (new objects for every unit, so that what one unit
    /// does to them cannot reach the next), id strings otherwise. A list of ids alone is
    /// made once for the units of a request (`ids`) and copied for each.
    func hosts(
        _ arguments: UnitArguments, sharing ids: HostIDList?, _ gil: borrowing GIL
    ) throws(PythonError) -> PyOwned {
        if arguments.hosts.isEmpty {
            guard let ids else { return gil.list(arguments.hostIDs) }
            return try ids.copy(of: arguments.hostIDs, gil)
        }
        return try arguments.pythonHosts(builder, gil)
    }

    var builder: PythonEntities {
        PythonEntities(entityClass: entityClass, elementClass: elementClass, xmlKey: xmlKey, names: attributeNames)
    }

    /// A Python list of the entities, as a plugin's `hosts` argument holds them.
    public func list(_ entities: [Entity], _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        let builder = self.builder
        return try gil.list(count: entities.count) { (position) throws(PythonError) in
            try builder.object(for: entities[position], gil)
        }
    }

    /// Reads every attribute of every entity: what a plugin that looks at everything pays.
    public func expandAll(_ list: borrowing PyOwned, _ gil: borrowing GIL) throws(PythonError) {
        try list.forEachItem { (entity) throws(PythonError) in try builder.expandAll(entity, gil) }
    }
}

/// The Python list of a request's host ids, made by its first unit call and copied for
/// the others (in C: the strings are shared, and cannot change), instead of a hundred
/// strings made for each unit. One per batch of calls: it goes with the request.
final class HostIDList: Sendable {
    private let made = GILProtected<PythonHandle?>(nil)

    init() {}

    /// A new list of the ids, for the caller to keep or change.
    func copy(of ids: [String], _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        if let list = made.withValue(gil, { $0 }) { return try list.bind(gil).listCopy() }
        let list = gil.list(ids)
        made.withValue(gil) { $0 = list.shared() }
        return try list.listCopy()
    }
}

/// An element's XML, held by the Python object it describes until it is fully expanded.
final class EntityNode: Sendable {
    let element: EntityElement
    /// Set at the plugin's first read of an attribute. Before it, the object's dict holds
    /// only what the plugin set, which expanding overwrites (as it always did); after it,
    /// the dict holds what was read or set since, and a name not in it comes from the XML.
    /// (Deleting an attribute expands the object first: see `Entity.__delattr__`.)
    let isTouched = GILProtected(false)

    init(_ element: EntityElement) {
        self.element = element
    }
}

/// The Python attribute name of each XML name met so far, interned: every host of a
/// request has the same few dozen names, and making each anew was most of expanding one.
final class AttributeNames: Sendable {
    /// Names come from the engine's XML: a document inventing millions of them is not
    /// allowed to grow the cache past this, only to pay for its names itself.
    static let mostKept = 4096
    private let known = GILProtected([String: PythonHandle]())

    func name(_ xmlName: String, _ gil: borrowing GIL) -> PythonHandle {
        let cached = known.withValue(gil) { $0[xmlName] }
        if let cached { return cached }
        let made = gil.internedString(PythonEntities.pythonName(xmlName)).shared()
        known.withValue(gil) { known in
            if known.count < Self.mostKept { known[xmlName] = made }
        }
        return made
    }
}

/// Builds and expands entity objects with the GIL held.
struct PythonEntities: Sendable {
    let entityClass: PythonHandle
    let elementClass: PythonHandle
    let xmlKey: PythonHandle
    let names: AttributeNames

    func object(for entity: Entity, _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        let object = try entityClass.bind(gil).call(gil.string(entity.id))
        try object.setAttribute(named: xmlKey.bind(gil), gil.capsule(holding: EntityNode(entity.element)))
        return object
    }

    /// The object's attribute dict, filled from its XML if that has not happened yet.
    func expand(_ object: borrowing some PythonReference & ~Copyable, _ gil: borrowing GIL) throws(PythonError)
        -> PyOwned
    {
        let attributes = try object.instanceDictionary()
        let xml = try object.attribute(named: xmlKey.bind(gil))
        guard let node = xml.capsuleObject(EntityNode.self) else { return attributes }
        // Cleared first: whatever happens below, the XML is expanded once.
        try object.setAttribute(named: xmlKey.bind(gil), gil.none())
        guard node.isTouched.withValue(gil, { $0 }) else {
            try fill(attributes, from: node.element, gil)
            return attributes
        }
        // Some attributes were read (or set) one at a time: the dict gets the order and the
        // values a whole expansion at the first read would have left, the XML's names first.
        let whole = gil.emptyDict()
        try fill(whole, from: node.element, gil)
        let current = gil.emptyDict()
        try attributes.forEachDictItem { (name, value) throws(PythonError) in try current.setItem(name, value) }
        attributes.clearDict()
        try whole.forEachDictItem { (name, value) throws(PythonError) in
            if let kept = try current.dictItem(name) {
                try attributes.setItem(name, kept)
            } else {
                try attributes.setItem(name, value)
            }
        }
        try current.forEachDictItem { (name, value) throws(PythonError) in
            if try attributes.dictItem(name) == nil { try attributes.setItem(name, value) }
        }
        return attributes
    }

    /// The attribute `name` of the object, made from its XML on first use; nil when
    /// neither the object's dict nor its XML has it.
    func attribute(
        _ name: borrowing some PythonReference & ~Copyable, of object: borrowing some PythonReference & ~Copyable,
        _ gil: borrowing GIL
    ) throws(PythonError) -> PyOwned? {
        let attributes = try object.instanceDictionary()
        if let known = try attributes.dictItem(name) { return known.retained() }
        let xml = try object.attribute(named: xmlKey.bind(gil))
        guard let node = xml.capsuleObject(EntityNode.self) else { return nil }
        let firstRead = !node.isTouched.withValue(gil) { $0 }
        if firstRead {
            if try attributes.count() > 0 {
                // The plugin set attributes before reading any: the whole expansion replaces
                // them, as it always has.
                return try expand(object, gil).dictItem(name)?.retained()
            }
            node.isTouched.withValue(gil) { $0 = true }
        }
        guard name.isString, let value = try value(named: name.stringValue(), in: node.element, gil) else {
            return nil
        }
        try attributes.setItem(name, value)
        return value
    }

    func expandAll(_ object: borrowing some PythonReference & ~Copyable, _ gil: borrowing GIL) throws(PythonError) {
        let attributes = try expand(object, gil)
        try attributes.forEachDictItem { (_, value) throws(PythonError) in
            if value.isExactList {
                try value.forEachItem { (item) throws(PythonError) in try expandAllIfLazy(item, gil) }
            } else {
                try expandAllIfLazy(value, gil)
            }
        }
    }

    private func expandAllIfLazy(_ value: borrowing some PythonReference & ~Copyable, _ gil: borrowing GIL)
        throws(PythonError)
    {
        var isLazy = try value.isInstance(of: entityClass.bind(gil))
        if !isLazy { isLazy = try value.isInstance(of: elementClass.bind(gil)) }
        if isLazy {
            try expandAll(value, gil)
        }
    }

    private func fill(_ attributes: borrowing PyOwned, from element: EntityElement, _ gil: borrowing GIL)
        throws(PythonError)
    {
        for attribute in element.attributes {
            try attributes.setItem(key(attribute.name, gil), scalar(attribute.value, gil))
        }
        if !element.text.isEmpty, !(element.attributes.isEmpty && element.children.isEmpty) {
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

    /// What `fill` would set for one name, without making the others.
    private func value(named name: String, in element: EntityElement, _ gil: borrowing GIL) throws(PythonError)
        -> PyOwned?
    {
        var found: PyOwned?
        // By position: a copy of each child would retain and release its four arrays and strings.
        for position in element.attributes.indices where Self.pythonName(element.attributes[position].name, is: name) {
            found = scalar(element.attributes[position].value, gil)
        }
        if name == "text", !element.text.isEmpty, !(element.attributes.isEmpty && element.children.isEmpty) {
            found = scalar(element.text, gil)
        }
        for position in element.children.indices where Self.pythonName(element.children[position].name, is: name) {
            let value = try value(of: element.children[position], gil)
            if let earlier = found.take() {
                if earlier.isExactList {
                    try earlier.append(value)
                    found = consume earlier
                } else {
                    found = gil.list(earlier, value)
                }
            } else {
                found = consume value
            }
        }
        return found
    }

    /// A scalar for a text-only element; otherwise an object whose XML waits for first use.
    private func value(of element: EntityElement, _ gil: borrowing GIL) throws(PythonError) -> PyOwned {
        if element.attributes.isEmpty && element.children.isEmpty {
            return scalar(element.text, gil)
        }
        let object: PyOwned
        if let id = element.attribute("id") {
            object = try entityClass.bind(gil).call(gil.string(id))
        } else {
            object = try elementClass.bind(gil).call()
        }
        try object.setAttribute(named: xmlKey.bind(gil), gil.capsule(holding: EntityNode(element)))
        return object
    }

    private func key(_ xmlName: String, _ gil: borrowing GIL) -> PyBorrowed {
        names.name(xmlName, gil).bind(gil)
    }

    /// Whether the XML name becomes the Python name `name`; most XML names are already
    /// identifiers, compared without making their Python name.
    static func pythonName(_ xmlName: String, is name: String) -> Bool {
        if xmlName == name { return isIdentifier(xmlName) || pythonName(xmlName) == name }
        return !isIdentifier(xmlName) && pythonName(xmlName) == name
    }

    private static func isIdentifier(_ xmlName: String) -> Bool {
        guard let first = xmlName.utf8.first, !(first >= 0x30 && first <= 0x39) else { return false }
        return xmlName.utf8.allSatisfy {
            $0 == UInt8(ascii: "_") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A)
        }
    }

    /// An XML name as a Python identifier: the local name, other characters as `_`.
    static func pythonName(_ xmlName: String) -> String {
        if isIdentifier(xmlName) { return xmlName }
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
