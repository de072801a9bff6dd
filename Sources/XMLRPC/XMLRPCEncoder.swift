/// Encodes XML-RPC bodies that Python's xmlrpc.client and Apache XML-RPC both read: plain XML-RPC
/// types only, no extensions, no pretty printing.
public enum XMLRPCEncoder {
    public static func encodeResponse(_ value: XMLRPCValue) -> [UInt8] {
        var writer = XMLWriter(capacity: 96 + value.estimatedEncodedSize)
        writer.writeMarkup("<?xml version=\"1.0\"?>\n<methodResponse><params><param>")
        writer.writeValue(value)
        writer.writeMarkup("</param></params></methodResponse>")
        return writer.bytes
    }

    public static func encodeFault(_ fault: XMLRPCFault) -> [UInt8] {
        let value: XMLRPCValue = .struct([
            "faultCode": .int(Int64(fault.code)), "faultString": .string(fault.message),
        ])
        var writer = XMLWriter(capacity: 96 + value.estimatedEncodedSize)
        writer.writeMarkup("<?xml version=\"1.0\"?>\n<methodResponse><fault>")
        writer.writeValue(value)
        writer.writeMarkup("</fault></methodResponse>")
        return writer.bytes
    }

    public static func encodeMethodCall(_ call: XMLRPCMethodCall) -> [UInt8] {
        let size = call.params.reduce(128 + call.methodName.utf8.count) { $0 + 32 + $1.estimatedEncodedSize }
        var writer = XMLWriter(capacity: size)
        writer.writeMarkup("<?xml version=\"1.0\"?>\n<methodCall><methodName>")
        writer.writeEscaped(call.methodName)
        writer.writeMarkup("</methodName><params>")
        for param in call.params {
            writer.writeMarkup("<param>")
            writer.writeValue(param)
            writer.writeMarkup("</param>")
        }
        writer.writeMarkup("</params></methodCall>")
        return writer.bytes
    }
}

/// Appends markup to one byte array, so a response costs one allocation, not one String per value.
struct XMLWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func writeMarkup(_ markup: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: markup.utf8Start, count: markup.utf8CodeUnitCount))
    }

    /// Writes `<value>…</value>`. Each case writes its tags with the value's in one piece: a host
    /// list is thousands of values, and every separate append costs.
    mutating func writeValue(_ value: borrowing XMLRPCValue) {
        switch value {
        case .int(let number) where Int32(exactly: number) != nil:
            writeMarkup("<value><int>")
            writeDigits(number)
            writeMarkup("</int></value>")
        case .int(let number):
            // Python reads <i8> and Apache with extensions does; <int> would overflow their 32-bit reading.
            writeMarkup("<value><i8>")
            writeDigits(number)
            writeMarkup("</i8></value>")
        case .boolean(let flag):
            writeMarkup(flag ? "<value><boolean>1</boolean></value>" : "<value><boolean>0</boolean></value>")
        case .string(let text):
            writeMarkup("<value><string>")
            writeEscaped(text)
            writeMarkup("</string></value>")
        case .double(let number) where number.isFinite:
            writeMarkup("<value><double>")
            bytes.append(contentsOf: number.description.utf8)
            writeMarkup("</double></value>")
        case .double(let number):
            // XML-RPC has no spelling for NaN or infinity: Apache rejects "nan" in a <double> and the
            // whole response with it. A string keeps the rest of the response readable and shows the
            // client what the number was; the encoder has no way to fail.
            writeMarkup("<value><string>")
            writeMarkup(number.isNaN ? "nan" : number < 0 ? "-inf" : "inf")
            writeMarkup("</string></value>")
        case .dateTime(let text):
            writeMarkup("<value><dateTime.iso8601>")
            writeEscaped(text)
            writeMarkup("</dateTime.iso8601></value>")
        case .base64(let data):
            writeMarkup("<value><base64>")
            Base64.encode(data, into: &bytes)
            writeMarkup("</base64></value>")
        case .array(let items):
            writeMarkup("<value><array><data>")
            for item in items {
                writeValue(item)
            }
            writeMarkup("</data></array></value>")
        case .struct(let members):
            writeMarkup("<value><struct>")
            for member in members {
                writeMarkup("<member><name>")
                writeEscaped(member.name)
                writeMarkup("</name>")
                writeValue(member.value)
                writeMarkup("</member>")
            }
            writeMarkup("</struct></value>")
        case .nil:
            writeMarkup("<value><nil/></value>")
        }
    }

    mutating func writeDigits(_ number: Int64) {
        if number < 0 {
            bytes.append(UInt8(ascii: "-"))
        }
        var magnitude = number.magnitude
        var digits = 1
        while magnitude >= 10 {
            magnitude /= 10
            digits += 1
        }
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: digits))
        magnitude = number.magnitude
        var index = bytes.count
        repeat {
            index -= 1
            bytes[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// Escapes text for element content. A carriage return becomes `&#13;` because a parser would
    /// otherwise normalise it to a line feed; characters XML 1.0 forbids become U+FFFD, because one of
    /// them would make the whole body unreadable to the client.
    mutating func writeEscaped(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            while index < utf8.count {
                if index + 8 <= utf8.count,
                    !Self.mayNeedEscaping(UnsafeRawPointer(utf8.baseAddress! + index).loadUnaligned(as: UInt64.self))
                {
                    index += 8
                    continue
                }
                let byte = utf8[index]
                guard Self.needsEscaping(byte) else {
                    index += 1
                    continue
                }
                let replacement: StaticString
                var width = 1
                switch byte {
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case 0x0D: replacement = "&#13;"
                case 0xEF:
                    // Only U+FFFE and U+FFFF among the characters that start with this byte.
                    guard index + 2 < utf8.count, utf8[index + 1] == 0xBF, utf8[index + 2] >= 0xBE else {
                        index += 1
                        continue
                    }
                    replacement = "\u{FFFD}"
                    width = 3
                default: replacement = "\u{FFFD}"
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                writeMarkup(replacement)
                index += width
                runStart = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
    }

    /// Markup characters, C0 controls other than tab and line feed, and 0xEF, which starts U+FFFE
    /// and U+FFFF. A bit mask rather than a switch: text is mostly plain, and a switch costs a
    /// mispredicted branch on each change between digits and letters, as in every UUID.
    @inline(__always)
    private static func needsEscaping(_ byte: UInt8) -> Bool {
        let below0x40: UInt64 = 0x5000_0040_FFFF_F9FF
        return byte < 0x40 ? (below0x40 >> byte) & 1 != 0 : byte == 0xEF
    }

    /// Whether any of eight bytes is below 0x20 or one of `&`, `<`, `>` and 0xEF, tested all at once,
    /// so plain text is copied a word at a time. Tab and line feed make it answer yes; the byte test
    /// then lets them through.
    @inline(__always)
    private static func mayNeedEscaping(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        // The classic test for a zero byte, exact as a yes or no; below 0x20 is the same test shifted.
        func hasZeroByte(_ word: UInt64) -> Bool { (word &- ones) & ~word & highBits != 0 }
        return (word &- ones &* 0x20) & ~word & highBits != 0
            || hasZeroByte(word ^ (ones &* 0x26)) || hasZeroByte(word ^ (ones &* 0x3C))
            || hasZeroByte(word ^ (ones &* 0x3E)) || hasZeroByte(word ^ (ones &* 0xEF))
    }
}

extension XMLRPCValue {
    /// Roughly the bytes `XMLWriter` will write, so the output buffer is allocated about once.
    var estimatedEncodedSize: Int {
        switch self {
        case .int, .boolean, .nil: 40
        case .double: 60
        case .string(let text): 32 + text.utf8.count
        case .dateTime(let text): 50 + text.utf8.count
        case .base64(let data): 32 + data.count / 3 * 4 + 4
        case .array(let items): items.reduce(40) { $0 + $1.estimatedEncodedSize }
        case .struct(let members):
            members.members.reduce(32) { $0 + 48 + $1.name.utf8.count + $1.value.estimatedEncodedSize }
        }
    }
}
