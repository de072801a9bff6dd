/// Turns the parser's element and text events into a method call or response.
///
/// Values are built on explicit stacks rather than by recursion, so hostile nesting costs heap that
/// the limits bound, never the thread's stack.
struct MessageBuilder {
    enum Root {
        case methodCall
        case methodResponse
    }

    /// A problem found by the builder; the parser adds where it happened.
    struct Problem: Error {
        var kind: XMLRPCDecodingError.Kind
        var message: String

        static func notXMLRPC(_ message: String) -> Problem {
            Problem(kind: .notXMLRPC, message: message)
        }
    }

    /// An open element, with the heights the value and name stacks had when it opened, so that its
    /// own values can be told from those of its ancestors.
    private struct Frame {
        var tag: ElementTag
        var valueBase: Int
        var nameBase: Int
        var children = 0
    }

    let root: Root
    let limits: XMLRPCDecodingLimits
    private var frames: [Frame] = []
    private var values: [XMLRPCValue] = []
    private var names: [String] = []
    /// Character data of the innermost element that holds text; reused for every element.
    private var text: [UInt8] = []
    private var elementCount = 0
    private var containerDepth = 0
    private var methodName: String?
    private var sawParams = false
    private var fault: XMLRPCFault?
    private var finished = false

    init(root: Root, limits: XMLRPCDecodingLimits) {
        self.root = root
        self.limits = limits
        frames.reserveCapacity(16)
        values.reserveCapacity(64)
        text.reserveCapacity(256)
    }

    var methodCall: XMLRPCMethodCall {
        XMLRPCMethodCall(methodName: methodName ?? "", params: values)
    }

    var response: XMLRPCResponse {
        if let fault { .fault(fault) } else { .success(values.first ?? .nil) }
    }

    /// Called by the parser after a well-formed document, in case the document ended without
    /// the builder ever seeing its root close.
    func checkFinished() throws(Problem) {
        guard finished else { throw .notXMLRPC("the document holds no XML-RPC message") }
    }

    mutating func startElement(
        localName: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?
    ) throws(Problem) {
        elementCount += 1
        guard elementCount <= limits.maxElements else {
            throw Problem(kind: .limitExceeded, message: "the document holds more than \(limits.maxElements) elements")
        }
        let tag = ElementTag(localName: localName)
        guard let parent = frames.last else {
            try startRoot(tag, localName: localName, prefix: prefix)
            return
        }
        guard let tag, parent.tag.admits(tag) else {
            let name = Self.qualifiedName(localName, prefix)
            if parent.tag == .value {
                throw .notXMLRPC("<\(name)> is not an XML-RPC value type")
            }
            throw .notXMLRPC("<\(name)> is not allowed inside <\(parent.tag.rawValue)>")
        }
        try checkChild(tag, of: parent)
        frames[frames.count - 1].children += 1
        if tag == .array || tag == .struct {
            containerDepth += 1
            guard containerDepth <= limits.maxDepth else {
                throw Problem(
                    kind: .limitExceeded, message: "arrays and structs nested more than \(limits.maxDepth) deep")
            }
        }
        if tag.holdsText {
            text.removeAll(keepingCapacity: true)
        }
        frames.append(Frame(tag: tag, valueBase: values.count, nameBase: names.count))
    }

    private mutating func startRoot(
        _ tag: ElementTag?, localName: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?
    ) throws(Problem) {
        let expected: ElementTag = root == .methodCall ? .methodCall : .methodResponse
        guard tag == expected, !finished else {
            let name = Self.qualifiedName(localName, prefix)
            throw .notXMLRPC("expected <\(expected.rawValue)> as the root element, found <\(name)>")
        }
        frames.append(Frame(tag: expected, valueBase: 0, nameBase: 0))
    }

    /// The counts XML-RPC prescribes, checked as each child opens so the message points at the
    /// extra element.
    private mutating func checkChild(_ tag: ElementTag, of parent: Frame) throws(Problem) {
        switch tag {
        case .methodName:
            guard methodName == nil else { throw .notXMLRPC("<methodCall> holds more than one <methodName>") }
        case .params where parent.tag == .methodCall:
            guard !sawParams else { throw .notXMLRPC("<methodCall> holds more than one <params>") }
            sawParams = true
        case .params, .fault:
            guard parent.children == 0 else {
                throw .notXMLRPC("<methodResponse> must hold exactly one <params> or <fault>")
            }
        case .param where root == .methodResponse:
            guard parent.children == 0 else { throw .notXMLRPC("<methodResponse> must hold exactly one <param>") }
        case .value where parent.tag != .data:
            guard values.count == parent.valueBase else {
                throw .notXMLRPC("<\(parent.tag.rawValue)> holds more than one <value>")
            }
        case .data:
            guard parent.children == 0 else { throw .notXMLRPC("<array> holds more than one <data>") }
        case .name:
            guard names.count == parent.nameBase else { throw .notXMLRPC("<member> holds more than one <name>") }
        case _ where parent.tag == .value:
            guard parent.children == 0 else { throw .notXMLRPC("<value> holds more than one type element") }
            guard text.isXMLWhitespace else {
                throw .notXMLRPC("<value> holds text \(Self.quoted(text)) beside <\(tag.rawValue)>")
            }
        default:
            break
        }
    }

    mutating func endElement() throws(Problem) {
        let frame = frames.removeLast()
        switch frame.tag {
        case .methodCall:
            guard methodName != nil else { throw .notXMLRPC("<methodCall> has no <methodName>") }
            finished = true
        case .methodResponse:
            guard frame.children == 1 else { throw .notXMLRPC("<methodResponse> holds neither <params> nor <fault>") }
            finished = true
        case .methodName:
            let name = String(decoding: text.trimmingXMLWhitespace(), as: UTF8.self)
            guard !name.isEmpty else { throw .notXMLRPC("<methodName> is empty") }
            methodName = name
        case .params:
            guard root == .methodCall || frame.children == 1 else {
                throw .notXMLRPC("<methodResponse> must hold exactly one <param>")
            }
        case .param:
            guard values.count > frame.valueBase else { throw .notXMLRPC("<param> holds no <value>") }
        case .fault:
            guard let value = values.popLast() else { throw .notXMLRPC("<fault> holds no <value>") }
            fault = try Self.fault(from: value)
        case .value:
            if frame.children == 0 {
                values.append(.string(String(decoding: text, as: UTF8.self)))
            } else if !text.isXMLWhitespace {
                throw .notXMLRPC("<value> holds text \(Self.quoted(text)) beside its type element")
            }
        case .array:
            containerDepth -= 1
            values.append(.array(takeValues(from: frame.valueBase)))
        case .struct:
            containerDepth -= 1
            let members = zip(names[frame.nameBase...], takeValues(from: frame.valueBase)).map {
                (name: $0, value: $1)
            }
            names.removeSubrange(frame.nameBase...)
            values.append(.struct(XMLRPCStruct(members)))
        case .member:
            guard names.count > frame.nameBase else { throw .notXMLRPC("<member> has no <name>") }
            guard values.count > frame.valueBase else { throw .notXMLRPC("<member> has no <value>") }
        case .name:
            names.append(String(decoding: text, as: UTF8.self))
        case .data:
            break
        default:
            values.append(try scalar(frame.tag))
        }
        if frames.last?.tag == .value {
            // Only what follows the type element is left to check when the <value> closes.
            text.removeAll(keepingCapacity: true)
        }
    }

    /// Removes the values from `base` up and returns them, moved rather than copied: a host list is
    /// thousands of strings, and copying would retain and then release each one.
    private mutating func takeValues(from base: Int) -> [XMLRPCValue] {
        let count = values.count - base
        let taken = values.withUnsafeMutableBufferPointer { stack in
            let source = UnsafeMutableBufferPointer(rebasing: stack[base...])
            let taken = [XMLRPCValue](unsafeUninitializedCapacity: count) { target, initialized in
                initialized = target.moveInitialize(fromContentsOf: source)
            }
            // The moved-from slots hold nothing now; fill them with a value that needs no release.
            source.initialize(repeating: .nil)
            return taken
        }
        values.removeSubrange(base...)
        return taken
    }

    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) throws(Problem) {
        guard let top = frames.last else { return }
        if top.tag.holdsText {
            text.append(contentsOf: bytes)
        } else if !bytes.isXMLWhitespace {
            throw .notXMLRPC("text \(Self.quoted(bytes)) is not allowed inside <\(top.tag.rawValue)>")
        }
    }

    private func scalar(_ tag: ElementTag) throws(Problem) -> XMLRPCValue {
        switch tag {
        case .string:
            return .string(String(decoding: text, as: UTF8.self))
        case .boolean:
            let flag = text.trimmingXMLWhitespace()
            if flag.elementsEqual("1".utf8) || flag.elementsEqual("true".utf8) { return .boolean(true) }
            if flag.elementsEqual("0".utf8) || flag.elementsEqual("false".utf8) { return .boolean(false) }
            throw .notXMLRPC("<boolean> must be 0 or 1, not \(Self.quoted(text))")
        case .double, .float:
            guard let number = Self.double(text.trimmingXMLWhitespace()) else {
                throw .notXMLRPC("<\(tag.rawValue)> must be a finite decimal number, not \(Self.quoted(text))")
            }
            return .double(number)
        case .dateTime:
            return .dateTime(String(decoding: text.trimmingXMLWhitespace(), as: UTF8.self))
        case .base64:
            guard let bytes = Base64.decode(text) else {
                throw .notXMLRPC("<base64> holds text that is not base64: \(Self.quoted(text))")
            }
            return .base64(bytes)
        case .nil:
            guard text.isXMLWhitespace else { throw .notXMLRPC("<nil/> must be empty, not \(Self.quoted(text))") }
            return .nil
        default:
            guard let range = tag.integerRange else { preconditionFailure("<\(tag.rawValue)> is not a scalar") }
            return .int(try Self.integer(text.trimmingXMLWhitespace(), in: range, tag: tag))
        }
    }

    private static func integer(
        _ digits: ArraySlice<UInt8>, in range: ClosedRange<Int64>, tag: ElementTag
    ) throws(Problem) -> Int64 {
        var index = digits.startIndex
        let negative = index < digits.endIndex && digits[index] == UInt8(ascii: "-")
        if index < digits.endIndex && (negative || digits[index] == UInt8(ascii: "+")) {
            index += 1
        }
        guard index < digits.endIndex, digits[index...].allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
            throw .notXMLRPC("<\(tag.rawValue)> must be an integer, not \(quoted(digits))")
        }
        var magnitude: UInt64 = 0
        var overflow = false
        for digit in digits[index...] where !overflow {
            let (tens, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
            (magnitude, overflow) = tens.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
            overflow = overflow || overflowed
        }
        let value: Int64? =
            if overflow {
                nil
            } else if negative {
                magnitude <= Int64.min.magnitude ? Int64(bitPattern: 0 &- magnitude) : nil
            } else {
                Int64(exactly: magnitude)
            }
        guard let value, range.contains(value) else {
            throw .notXMLRPC(
                "integer \(quoted(digits)) does not fit <\(tag.rawValue)> "
                    + "(\(range.lowerBound)...\(range.upperBound))")
        }
        return value
    }

    /// Decimal notation only: Swift would also read "nan", "inf" and hexadecimal, which no
    /// XML-RPC peer sends as a number.
    private static func double(_ text: ArraySlice<UInt8>) -> Double? {
        let decimal = text.allSatisfy {
            ($0 &- UInt8(ascii: "0") < 10) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
                || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E")
        }
        guard decimal, let number = Double(String(decoding: text, as: UTF8.self)), number.isFinite else {
            return nil
        }
        return number
    }

    private static func fault(from value: XMLRPCValue) throws(Problem) -> XMLRPCFault {
        guard case .struct(let members) = value, case .int(let code)? = members["faultCode"],
            case .string(let message)? = members["faultString"]
        else {
            throw .notXMLRPC("<fault> must hold a struct with an int faultCode and a string faultString")
        }
        return XMLRPCFault(code: Int(clamping: code), message: message)
    }

    private static func qualifiedName(_ localName: UnsafePointer<UInt8>, _ prefix: UnsafePointer<UInt8>?) -> String {
        let local = String(cString: localName)
        guard let prefix else { return local }
        return String(cString: prefix) + ":" + local
    }

    /// Quotes text for a message, cut short so that a fault never echoes a whole request.
    private static func quoted(_ text: some Collection<UInt8>) -> String {
        let limit = 40
        let shown = String(decoding: text.prefix(limit), as: UTF8.self)
        return "\"" + shown + (text.count > limit ? "…\"" : "\"")
    }
}

extension Collection<UInt8> {
    /// XML's whitespace: space, tab, line feed and carriage return, not Unicode's.
    var isXMLWhitespace: Bool {
        allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }
}

extension [UInt8] {
    func trimmingXMLWhitespace() -> ArraySlice<UInt8> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return []
        }
        return self[first...last]
    }
}
