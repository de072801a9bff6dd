import Testing
import XMLRPC

@Suite struct EncoderTests {
    @Test func responseIsPlainXMLRPCWithTheDeclarationOnItsOwnLine() {
        let body = XMLRPCEncoder.encodeResponse(["result_code": 0, "result": ["h1", "h2"]])
        #expect(
            text(body)
                == "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value><struct>"
                + "<member><name>result_code</name><value><int>0</int></value></member>"
                + "<member><name>result</name><value><array><data><value><string>h1</string></value>"
                + "<value><string>h2</string></value></data></array></value></member>"
                + "</struct></value></param></params></methodResponse>")
    }

    @Test func faultIsAStructOfCodeAndString() {
        let body = XMLRPCEncoder.encodeFault(XMLRPCFault(code: -32601, message: "no such method"))
        #expect(
            text(body)
                == "<?xml version=\"1.0\"?>\n<methodResponse><fault><value><struct>"
                + "<member><name>faultCode</name><value><int>-32601</int></value></member>"
                + "<member><name>faultString</name><value><string>no such method</string></value></member>"
                + "</struct></value></fault></methodResponse>")
    }

    @Test func methodCallListsEachParam() {
        let body = XMLRPCEncoder.encodeMethodCall(XMLRPCMethodCall(methodName: "runFilters", params: ["a", .nil]))
        #expect(
            text(body)
                == "<?xml version=\"1.0\"?>\n<methodCall><methodName>runFilters</methodName><params>"
                + "<param><value><string>a</string></value></param><param><value><nil/></value></param>"
                + "</params></methodCall>")
    }

    /// The value inside `<value>…</value>` of an encoded response.
    func encoded(_ value: XMLRPCValue) -> String {
        let body = text(XMLRPCEncoder.encodeResponse(value))
        let prefix = "<?xml version=\"1.0\"?>\n<methodResponse><params><param><value>"
        let suffix = "</value></param></params></methodResponse>"
        guard body.hasPrefix(prefix), body.hasSuffix(suffix) else { return body }
        return String(body.dropFirst(prefix.count).dropLast(suffix.count))
    }

    @Test(arguments: [
        (XMLRPCValue.int(2_147_483_647), "<int>2147483647</int>"),
        (.int(-2_147_483_648), "<int>-2147483648</int>"),
        (.int(2_147_483_648), "<i8>2147483648</i8>"),
        (.int(-2_147_483_649), "<i8>-2147483649</i8>"),
        (.int(Int64.min), "<i8>-9223372036854775808</i8>"),
        (.boolean(true), "<boolean>1</boolean>"),
        (.boolean(false), "<boolean>0</boolean>"),
        (.double(0.1), "<double>0.1</double>"),
        (.double(1e100), "<double>1e+100</double>"),
        (.dateTime("19980717T14:08:55"), "<dateTime.iso8601>19980717T14:08:55</dateTime.iso8601>"),
        (.base64(Array("hello".utf8)), "<base64>aGVsbG8=</base64>"),
        (.base64(Array("hell".utf8)), "<base64>aGVsbA==</base64>"),
        (.base64(Array("hel".utf8)), "<base64>aGVs</base64>"),
        (.nil, "<nil/>"),
        (.array([]), "<array><data></data></array>"),
        (.struct([:]), "<struct></struct>"),
        (.string("<a & b>\r\n\t"), "<string>&lt;a &amp; b&gt;&#13;\n\t</string>"),
        (.struct(["<k>": 1]), "<struct><member><name>&lt;k&gt;</name><value><int>1</int></value></member></struct>"),
    ])
    func eachTypeHasItsPlainXMLRPCSpelling(_ value: XMLRPCValue, _ xml: String) {
        #expect(encoded(value) == xml)
    }

    // Plain text is scanned eight bytes at a time: each special character must be found wherever it
    // falls in or after a word.
    @Test(arguments: [
        ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\r", "&#13;"), ("\u{1}", "\u{FFFD}"), ("\u{FFFF}", "\u{FFFD}"),
        ("\t", "\t"), ("\n", "\n"), ("é", "é"), ("\u{FFFD}", "\u{FFFD}"),
    ])
    func specialCharactersAreFoundAtEveryPosition(_ character: String, _ escaped: String) {
        for position in 0..<20 {
            let before = String(repeating: "a", count: position)
            let after = String(repeating: "b", count: 19 - position)
            #expect(encoded(.string(before + character + after)) == "<string>\(before + escaped + after)</string>")
        }
    }

    // XML-RPC cannot spell them as numbers; the response must stay readable by Python and Apache.
    @Test(arguments: [(Double.nan, "nan"), (.infinity, "inf"), (-.infinity, "-inf")])
    func nonFiniteDoublesBecomeStrings(_ number: Double, _ spelling: String) throws {
        #expect(encoded(.double(number)) == "<string>\(spelling)</string>")
        #expect(try roundTrip(.double(number)) == .success(.string(spelling)))
    }

    @Test func structMembersKeepTheirOrderAndRepeats() {
        var members = XMLRPCStruct()
        members.append("b", 1)
        members.append("a", 2)
        members.append("b", 3)
        #expect(
            encoded(.struct(members))
                == "<struct><member><name>b</name><value><int>1</int></value></member>"
                + "<member><name>a</name><value><int>2</int></value></member>"
                + "<member><name>b</name><value><int>3</int></value></member></struct>")
    }
}

@Suite struct ValueTests {
    @Test func structLookupFindsTheLastMemberOfAName() {
        var members: XMLRPCStruct = ["a": 1, "b": 2]
        members.append("a", 3)
        #expect(members["a"] == .int(3))
        #expect(members["b"] == .int(2))
        #expect(members["c"] == nil)
        #expect(members.count == 3)
        #expect(!members.isEmpty)
        #expect(XMLRPCStruct().isEmpty)
        #expect(members.map(\.name) == ["a", "b", "a"])
    }

    @Test func structEqualityDependsOnOrder() {
        let ab: XMLRPCStruct = ["a": 1, "b": 2]
        let ba: XMLRPCStruct = ["b": 2, "a": 1]
        let once: XMLRPCStruct = ["a": 1]
        #expect(ab == XMLRPCStruct([(name: "a", value: 1), (name: "b", value: 2)]))
        #expect(ab != ba)
        #expect(once != XMLRPCStruct([(name: "a", value: 1), (name: "a", value: 1)]))
        #expect(once != ["a": "1"])
    }

    @Test func accessorsAnswerOnlyForTheirOwnType() {
        let value: XMLRPCValue = "text"
        #expect(value.stringValue == "text")
        #expect(value.intValue == nil)
        #expect(XMLRPCValue.int(5).intValue == 5)
        #expect(XMLRPCValue.boolean(true).boolValue == true)
        #expect(XMLRPCValue.double(1.5).doubleValue == 1.5)
        #expect(XMLRPCValue.array(["x"]).arrayValue == ["x"])
        #expect(XMLRPCValue.struct(["k": 1]).structValue?["k"] == .int(1))
        #expect(XMLRPCValue.nil.isNil)
        #expect(!XMLRPCValue.string("").isNil)
    }

    @Test func typeNamesAreXMLRPCs() {
        let values: [XMLRPCValue] = [1, true, "s", 1.5, .dateTime("x"), .base64([]), [], [:], .nil]
        #expect(
            values.map(\.typeName)
                == ["int", "boolean", "string", "double", "dateTime.iso8601", "base64", "array", "struct", "nil"])
    }

    @Test func decodingErrorsMapToTheFaultCodesServersUse() {
        let malformed = XMLRPCDecodingError(kind: .malformedXML, message: "m", line: 2, column: 3)
        let invalid = XMLRPCDecodingError(kind: .notXMLRPC, message: "m", line: 2, column: 3)
        let tooBig = XMLRPCDecodingError(kind: .limitExceeded, message: "m", line: 2, column: 3)
        #expect(malformed.fault.code == -32700)
        #expect(invalid.fault.code == -32600)
        #expect(tooBig.fault.code == -32700)
        #expect(invalid.fault.message == "not XML-RPC at line 2, column 3: m")
    }
}
