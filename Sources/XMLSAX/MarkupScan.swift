/// A byte scan of an XML document, before libxml2 reads it, for the shapes libxml2 2.9 takes
/// more than linear time over: an element's attributes are checked against each other for
/// duplicates pair by pair (200,000 attributes, 2.3 MB, took 13 s), and each prefixed name is
/// looked up through every namespace declaration in scope (64 declarations in each of 60
/// nested elements made an 8 MB document take 36 s). libxml2 reports an element only once it
/// has done that work, so the counting has to come first; it costs one pass over the bytes.
///
/// The scan follows XML's markup closely enough to count what libxml2 will parse: start tags
/// (attributes are the `=` outside quoted values), end tags, comments, CDATA sections,
/// processing instructions and declarations. It reads the document in its encoding's code
/// units (UTF-8 and the ASCII-compatible encodings, UTF-16, UTF-32) and refuses a declared
/// encoding it could not follow, since libxml2 would decode the bytes differently.
public enum MarkupScan {
    /// The most attributes one element may carry, namespace declarations included.
    public static let maximumAttributesPerElement = 64
    /// The most namespace declarations in scope at once (on an element and its ancestors).
    public static let maximumNamespacesInScope = 64

    /// Why a document was refused, and on which line.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Nil when the document stays within the limits (whether or not it is well-formed:
    /// libxml2 judges that).
    public static func check(_ bytes: UnsafeRawBufferPointer) -> Refusal? {
        var scanner = Scanner(bytes: bytes)
        return scanner.run()
    }

    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var width = 1
        var bigEndian = false
        var position = 0
        /// Namespace declarations per open element, innermost last.
        var declarations: [Int] = []
        var inScope = 0

        init(bytes: UnsafeRawBufferPointer) {
            self.bytes = bytes
        }

        /// The code unit at `offset` units from the current position, as a number
        /// (ASCII characters compare equal to their ASCII code in every encoding read here).
        func unit(_ offset: Int = 0) -> UInt32? {
            let start = position + offset * width
            guard start >= 0, start + width <= bytes.count else { return nil }
            if width == 1 { return UInt32(bytes[start]) }
            var value: UInt32 = 0
            for index in 0..<width {
                let byte = UInt32(bytes[bigEndian ? start + index : start + width - 1 - index])
                value = value << 8 | byte
            }
            return value
        }

        func isAt(_ text: String) -> Bool {
            for (offset, byte) in text.utf8.enumerated() where unit(offset) != UInt32(byte) {
                return false
            }
            return true
        }

        mutating func advance(_ count: Int = 1) {
            position += count * width
        }

        /// The line `offset` (in bytes) is on: counted only for a refusal, so the scan
        /// itself never counts.
        func line(at offset: Int) -> Int {
            var line = 1
            var index = 0
            while index + width <= offset {
                var value: UInt32 = 0
                for byte in 0..<width {
                    value = value << 8 | UInt32(bytes[bigEndian ? index + byte : index + width - 1 - byte])
                }
                if value == 0x0A { line += 1 }
                index += width
            }
            return line
        }

        /// Moves just past the next `terminator`, or to the end.
        mutating func skip(past terminator: String) {
            let first = UInt32(terminator.utf8.first!)
            while let current = unit(), current != first || !isAt(terminator) { advance() }
            advance(terminator.utf8.count)
        }

        mutating func run() -> Refusal? {
            if let refusal = detectEncoding() { return refusal }
            while let current = unit() {
                guard current == 0x3C else {  // <
                    if width == 1 {
                        // Text between tags, the bulk of a document: memchr's pace.
                        position = bytes[position...].firstIndex(of: 0x3C) ?? bytes.count
                    } else {
                        advance()
                    }
                    continue
                }
                let next = unit(1)
                if next == 0x21, isAt("<!--") {  // !
                    skip(past: "-->")
                } else if next == 0x21, isAt("<![CDATA[") {
                    skip(past: "]]>")
                } else if next == 0x3F {  // ?
                    skip(past: "?>")
                } else if next == 0x21 {
                    skipDeclaration()
                } else if next == 0x2F {  // /
                    skip(past: ">")
                    if let closed = declarations.popLast() { inScope -= closed }
                } else if let refusal = startTag() {
                    return refusal
                }
            }
            return nil
        }

        /// `<!DOCTYPE ...>` and the like, with quoted text and an internal subset in brackets.
        mutating func skipDeclaration() {
            advance(2)
            var brackets = 0
            while let current = unit() {
                switch current {
                case 0x22, 0x27:  // " '
                    advance()
                    while let inner = unit(), inner != current { advance() }
                case 0x5B: brackets += 1  // [
                case 0x5D: brackets -= 1  // ]
                case 0x3E where brackets <= 0:  // >
                    advance()
                    return
                default: break
                }
                advance()
            }
        }

        mutating func startTag() -> Refusal? {
            let tagStart = position
            advance()
            var attributes = 0
            var namespaces = 0
            while let current = unit() {
                if current == 0x22 || current == 0x27 {  // a quoted value
                    advance()
                    while let inner = unit(), inner != current { advance() }
                    advance()
                    continue
                }
                if current == 0x3D {  // =
                    attributes += 1
                    guard attributes <= maximumAttributesPerElement else {
                        return Refusal(
                            line: line(at: tagStart),
                            message:
                                "an element has more than \(maximumAttributesPerElement) attributes (the limit per element)"
                        )
                    }
                    if namesNamespaceDeclaration() { namespaces += 1 }
                }
                let selfClosing = current == 0x2F && unit(1) == 0x3E  // />
                if current == 0x3E || selfClosing {
                    advance(selfClosing ? 2 : 1)
                    inScope += namespaces
                    guard inScope <= maximumNamespacesInScope else {
                        return Refusal(
                            line: line(at: tagStart),
                            message:
                                "more than \(maximumNamespacesInScope) namespace declarations are in scope (the limit)")
                    }
                    if selfClosing {
                        inScope -= namespaces
                    } else {
                        declarations.append(namespaces)
                    }
                    return nil
                }
                advance()
            }
            return nil
        }

        /// Whether the attribute whose `=` is at the current position is `xmlns` or
        /// `xmlns:prefix`: its name is read backwards, so each name is read once more.
        func namesNamespaceDeclaration() -> Bool {
            func isSpace(_ unit: UInt32?) -> Bool { unit == 0x20 || unit == 0x09 || unit == 0x0A || unit == 0x0D }
            var end = -1
            while isSpace(unit(end)) { end -= 1 }
            var start = end
            while position + (start - 1) * width >= 0, let before = unit(start - 1), !isSpace(before), before != 0x3C {
                start -= 1
            }
            let length = end - start + 1
            guard length == 5 || (length > 6 && unit(start + 5) == 0x3A) else { return false }
            return zip(0..<5, "xmlns".utf8).allSatisfy { unit(start + $0) == UInt32($1) }
        }

        /// Byte order marks and the first characters tell the code unit (XML 1.0, appendix F);
        /// a declared encoding must be one whose ASCII characters are those code units.
        mutating func detectEncoding() -> Refusal? {
            let first = (0..<4).map { $0 < bytes.count ? bytes[$0] : 0xFF }
            switch (first[0], first[1], first[2], first[3]) {
            case (0x00, 0x00, 0xFE, 0xFF), (0x00, 0x00, 0x00, 0x3C): (width, bigEndian) = (4, true)
            case (0xFF, 0xFE, 0x00, 0x00), (0x3C, 0x00, 0x00, 0x00): (width, bigEndian) = (4, false)
            case (0xFE, 0xFF, _, _), (0x00, 0x3C, _, _): (width, bigEndian) = (2, true)
            case (0xFF, 0xFE, _, _), (0x3C, 0x00, _, _): (width, bigEndian) = (2, false)
            case (0x4C, 0x6F, 0xA7, 0x94): return Refusal(line: 1, message: "EBCDIC documents are not accepted")
            case (0xEF, 0xBB, 0xBF, _): position = 3
            default: break
            }
            if unit() == 0xFEFF { advance() }
            guard isAt("<?xml") else { return nil }
            var probe = self
            var declaration: [UInt8] = []
            while let current = probe.unit(), current != 0x3E, declaration.count < 200 {
                declaration.append(current < 0x80 ? UInt8(current) : 0x3F)
                probe.advance()
            }
            let keyword = Array("encoding".utf8)
            guard
                let found = declaration.indices.first(where: {
                    declaration[$0...].starts(with: keyword)
                })
            else { return nil }
            let text = String(decoding: declaration[(found + keyword.count)...], as: UTF8.self)
            let rest = text.drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
            let name = String(rest.prefix { $0 != "\"" && $0 != "'" && $0 != " " }).uppercased()
            let accepted: [String] =
                switch width {
                case 2: ["UTF-16", "UTF16", "UCS-2", "UCS2"]
                case 4: ["UTF-32", "UTF32", "UCS-4", "UCS4", "ISO-10646-UCS-4"]
                default:
                    [
                        "UTF-8", "UTF8", "US-ASCII", "ASCII", "ISO-8859", "ISO8859", "ISO_8859", "LATIN", "WINDOWS-",
                        "CP125", "KOI8", "EUC-", "SHIFT_JIS", "SJIS", "GB", "BIG5",
                    ]
                }
            guard accepted.contains(where: { name.hasPrefix($0) }) else {
                return Refusal(
                    line: 1,
                    message:
                        "the declared encoding '\(name)' is not accepted for a document that starts as this one does")
            }
            return nil
        }
    }
}
