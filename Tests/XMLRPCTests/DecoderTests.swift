import Testing
import XMLRPC

@Suite struct ApacheRequestTests {
    // What the oVirt engine's Apache XML-RPC client (extensions enabled) sends for runFilters.
    static let runFilters = """
        <?xml version="1.0" encoding="UTF-8"?><methodCall xmlns:ex="\(apacheExtensions)">\
        <methodName>runFilters</methodName><params><param><value><array><data><value>PythonFilter</value>\
        </data></array></value></param><param><value><array><data>\
        <value>6b1cbd6b-4f3c-4d1e-9a21-2c1c9c3c7b10</value><value>0f6c3d4e-8d4b-4b8e-a1d9-6a4f9e2b7c55</value>\
        </data></array></value></param><param><value>2f3b0d7e-1111-4222-8333-944455556666</value></param>\
        <param><value><struct/></value></param></params></methodCall>
        """

    @Test func runFiltersAsTheEngineSendsIt() throws {
        let call = try decodeCall(Self.runFilters)
        #expect(call.methodName == "runFilters")
        #expect(
            call.params == [
                ["PythonFilter"],
                ["6b1cbd6b-4f3c-4d1e-9a21-2c1c9c3c7b10", "0f6c3d4e-8d4b-4b8e-a1d9-6a4f9e2b7c55"],
                "2f3b0d7e-1111-4222-8333-944455556666",
                .struct([:]),
            ])
    }

    @Test func apacheExtensionTypes() throws {
        let params = try decodeCall(
            """
            <?xml version="1.0" encoding="UTF-8"?><methodCall xmlns:ex="\(apacheExtensions)">\
            <methodName>m</methodName><params><param><value><ex:nil/></value></param>\
            <param><value><i4>42</i4></value></param><param><value><ex:i1>-128</ex:i1></value></param>\
            <param><value><ex:i2>32767</ex:i2></value></param><param><value><ex:i8>-9000000000</ex:i8></value></param>\
            <param><value><ex:float>1.5</ex:float></value></param><param><value><array><data/></array></value></param>\
            <param><value><struct><member><name>k</name><value>v</value></member></struct></value></param>\
            </params></methodCall>
            """
        ).params
        #expect(params == [.nil, 42, -128, 32767, -9_000_000_000, 1.5, [], ["k": "v"]])
    }

    @Test func extensionTypesAreRecognisedWithoutTheirNamespaceDeclared() throws {
        #expect(try decodeValue("<value><ex:nil/></value>") == .nil)
        #expect(try decodeValue("<value><ex:i8>7</ex:i8></value>") == .int(7))
        #expect(try decodeValue("<value><other:nil/></value>") == .nil)
    }

    @Test func prettyPrintedRequestDecodesTheSame() throws {
        let call = try decodeCall(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <methodCall xmlns:ex="\(apacheExtensions)">
              <methodName>
                runFilters
              </methodName>
              <params>
                <param>
                  <value>
                    <array>
                      <data>
                        <value>PythonFilter</value>
                      </data>
                    </array>
                  </value>
                </param>
                <param>
                  <value>
                    <array>
                      <data>
                        <value>6b1cbd6b-4f3c-4d1e-9a21-2c1c9c3c7b10</value>
                        <value>0f6c3d4e-8d4b-4b8e-a1d9-6a4f9e2b7c55</value>
                      </data>
                    </array>
                  </value>
                </param>
                <param>
                  <value>2f3b0d7e-1111-4222-8333-944455556666</value>
                </param>
                <param>
                  <value>
                    <struct/>
                  </value>
                </param>
              </params>
            </methodCall>

            """)
        #expect(call == (try decodeCall(Self.runFilters)))
    }

    @Test func prettyPrintedTypedValuesIgnoreTheWhitespaceAroundThem() throws {
        let params = try decodeParams(
            """

              <param>
                <value>
                  <struct>
                    <member>
                      <name>count</name>
                      <value>
                        <int> 3 </int>
                      </value>
                    </member>
                    <member>
                      <value><string> kept </string></value>
                      <name>swapped</name>
                    </member>
                  </struct>
                </value>
              </param>

            """)
        #expect(params == [["count": 3, "swapped": " kept "]])
    }
}

@Suite struct ValueDecodingTests {
    @Test(arguments: [
        ("<value>text</value>", "text"),
        ("<value>  spaced\n out  </value>", "  spaced\n out  "),
        ("<value>   </value>", "   "),
        ("<value></value>", ""),
        ("<value/>", ""),
        ("<value><string/></value>", ""),
        ("<value><string> \t kept \n</string></value>", " \t kept \n"),
        ("<value><string>&lt;&amp;&gt;&#13;&#10;&quot;&apos;&#x1F680;</string></value>", "<&>\r\n\"'🚀"),
        ("<value>a&lt;b</value>", "a<b"),
        ("<value><string><![CDATA[<not markup> & ]]></string></value>", "<not markup> & "),
        ("<value>a<!-- comment -->b</value>", "ab"),
        ("<value>line\r\nend</value>", "line\nend"),
    ])
    func strings(_ xml: String, _ expected: String) throws {
        #expect(try decodeValue(xml) == .string(expected))
    }

    @Test(arguments: [
        ("<int>0</int>", Int64(0)), ("<int>+17</int>", 17), ("<int>-17</int>", -17),
        ("<i4>\n 2147483647 \t</i4>", 2_147_483_647),
        ("<i4>-2147483648</i4>", -2_147_483_648), ("<int>007</int>", 7), ("<i8>9223372036854775807</i8>", Int64.max),
        ("<i8>-9223372036854775808</i8>", Int64.min), ("<ex:i1>127</ex:i1>", 127), ("<ex:i2>-32768</ex:i2>", -32768),
    ])
    func integers(_ xml: String, _ expected: Int64) throws {
        #expect(try decodeValue("<value>\(xml)</value>") == .int(expected))
    }

    @Test(arguments: [
        ("<i4>2147483648</i4>", "2147483648"), ("<int>-2147483649</int>", "-2147483649"),
        ("<i8>9223372036854775808</i8>", "9223372036854775808"),
        ("<i8>-9223372036854775809</i8>", "-9223372036854775809"),
        ("<i8>99999999999999999999999</i8>", "99999999999999999999999"), ("<ex:i1>128</ex:i1>", "128"),
        ("<ex:i2>-32769</ex:i2>", "-32769"),
    ])
    func integersOutOfRangeAreNamedInTheError(_ xml: String, _ number: String) throws {
        let error = try #require(valueError("<value>\(xml)</value>"))
        #expect(error.kind == .notXMLRPC)
        #expect(error.message.contains(number))
        #expect(error.fault.code == -32600)
    }

    @Test(arguments: [
        "<int></int>", "<int>4 2</int>", "<int>1.0</int>", "<int>0x10</int>", "<int>-</int>", "<i4>+-1</i4>",
    ])
    func notIntegers(_ xml: String) throws {
        #expect(try #require(valueError("<value>\(xml)</value>")).kind == .notXMLRPC)
    }

    @Test(arguments: [
        ("<boolean>1</boolean>", true), ("<boolean>0</boolean>", false), ("<boolean> true </boolean>", true),
        ("<boolean>false</boolean>", false),
    ])
    func booleans(_ xml: String, _ expected: Bool) throws {
        #expect(try decodeValue("<value>\(xml)</value>") == .boolean(expected))
    }

    @Test(arguments: ["<boolean>2</boolean>", "<boolean>yes</boolean>", "<boolean/>"])
    func notBooleans(_ xml: String) throws {
        #expect(try #require(valueError("<value>\(xml)</value>")).kind == .notXMLRPC)
    }

    @Test(arguments: [
        ("<double>1.5</double>", 1.5), ("<double> -0.25 </double>", -0.25), ("<double>1e3</double>", 1000),
        ("<double>2.5E-3</double>", 0.0025), ("<double>+7</double>", 7), ("<ex:float>3.25</ex:float>", 3.25),
    ])
    func doubles(_ xml: String, _ expected: Double) throws {
        #expect(try decodeValue("<value>\(xml)</value>") == .double(expected))
    }

    @Test(arguments: [
        "<double>nan</double>", "<double>NaN</double>", "<double>inf</double>", "<double>-infinity</double>",
        "<double>1e400</double>", "<double>0x1p3</double>", "<double></double>", "<double>1,5</double>",
    ])
    func notFiniteDecimalDoubles(_ xml: String) throws {
        #expect(try #require(valueError("<value>\(xml)</value>")).kind == .notXMLRPC)
    }

    @Test func dateTimeIsTheTrimmedText() throws {
        #expect(
            try decodeValue("<value><dateTime.iso8601> 19980717T14:08:55\n</dateTime.iso8601></value>")
                == .dateTime("19980717T14:08:55"))
    }

    @Test(arguments: [
        ("aGVsbG8=", "hello"), ("aGVs\n bG8=\r\n", "hello"), ("aGVsbG8", "hello"), ("aGVsbA==", "hell"),
        ("", ""),
    ])
    func base64IgnoresWhitespace(_ encoded: String, _ decoded: String) throws {
        #expect(try decodeValue("<value><base64>\(encoded)</base64></value>") == .base64(Array(decoded.utf8)))
    }

    @Test(arguments: ["a$==", "aGVsbG8=x", "a", "aGVsbG8==="])
    func notBase64(_ encoded: String) throws {
        #expect(try #require(valueError("<value><base64>\(encoded)</base64></value>")).kind == .notXMLRPC)
    }

    @Test func nilForms() throws {
        #expect(try decodeValue("<value><nil/></value>") == .nil)
        #expect(try decodeValue("<value><nil></nil></value>") == .nil)
        #expect(try decodeValue("<value><ex:nil xmlns:ex=\"\(apacheExtensions)\"/></value>") == .nil)
        #expect(try #require(valueError("<value><nil>x</nil></value>")).kind == .notXMLRPC)
    }

    @Test func emptyContainersInEveryForm() throws {
        #expect(try decodeValue("<value><array><data/></array></value>") == .array([]))
        #expect(try decodeValue("<value><array><data></data></array></value>") == .array([]))
        #expect(try decodeValue("<value><array/></value>") == .array([]))
        #expect(try decodeValue("<value><struct/></value>") == .struct([:]))
        #expect(try decodeValue("<value><struct></struct></value>") == .struct([:]))
    }

    @Test func structKeepsMemberOrderAndRepeatedNames() throws {
        let value = try #require(
            try decodeValue(
                "<value><struct><member><name>b</name><value><i4>1</i4></value></member>"
                    + "<member><name>a</name><value>x</value></member>"
                    + "<member><name>b</name><value><i4>2</i4></value></member></struct></value>"))
        let members = try #require(value.structValue)
        #expect(members.map(\.name) == ["b", "a", "b"])
        #expect(members["b"] == .int(2))
    }

    @Test func deeplyNestedValuesWithinTheLimit() throws {
        let depth = 8
        let xml =
            String(repeating: "<value><array><data>", count: depth) + "<value>leaf</value>"
            + String(repeating: "</data></array></value>", count: depth)
        var expected: XMLRPCValue = "leaf"
        for _ in 0..<depth {
            expected = [expected]
        }
        #expect(try decodeValue(xml) == expected)
        let limited = XMLRPCDecodingLimits(maxDepth: depth)
        let call = "<methodCall><methodName>m</methodName><params><param>\(xml)</param></params></methodCall>"
        #expect(try decodeCall(call, limits: limited).params == [expected])
    }
}

@Suite struct MethodCallTests {
    @Test func methodNameIsTrimmed() throws {
        #expect(
            try decodeCall("<methodCall><methodName>\n  discover \t</methodName></methodCall>").methodName == "discover"
        )
    }

    @Test(arguments: [
        "<methodCall><methodName>discover</methodName></methodCall>",
        "<methodCall><methodName>discover</methodName><params/></methodCall>",
        "<methodCall><methodName>discover</methodName><params>\n</params></methodCall>",
        "<?xml version=\"1.0\"?>\n<!-- a comment --><methodCall><methodName>discover</methodName></methodCall>\n",
    ])
    func callsWithoutParams(_ xml: String) throws {
        #expect(try decodeCall(xml) == XMLRPCMethodCall(methodName: "discover"))
    }

    @Test func otherEncodingsAreConvertedToUTF8() throws {
        let body =
            Array("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><methodCall><methodName>caf".utf8) + [0xE9]
            + Array("</methodName></methodCall>".utf8)
        #expect(try XMLRPCDecoder.decodeMethodCall(body).methodName == "café")
    }

    @Test func everyBodyTypeDecodesTheSame() throws {
        let bytes = Array(ApacheRequestTests.runFilters.utf8)
        let expected = try XMLRPCDecoder.decodeMethodCall(bytes)
        #expect(try XMLRPCDecoder.decodeMethodCall(bytes[...]) == expected)
        #expect(try XMLRPCDecoder.decodeMethodCall(ApacheRequestTests.runFilters.utf8) == expected)
        // Not contiguous: decoded through a copy.
        #expect(try XMLRPCDecoder.decodeMethodCall(bytes.lazy.map { $0 }) == expected)
        let decoded = try bytes.withUnsafeBytes { raw in try XMLRPCDecoder.decodeMethodCall(raw) }
        #expect(decoded == expected)
    }
}

@Suite struct MethodResponseTests {
    @Test func successAndFaultAsApacheWritesThem() throws {
        let success =
            "<?xml version=\"1.0\"?><methodResponse><params><param><value>ok</value></param></params></methodResponse>"
        #expect(try XMLRPCDecoder.decodeMethodResponse(Array(success.utf8)) == .success("ok"))
        let fault = """
            <?xml version="1.0"?>
            <methodResponse>
              <fault>
                <value>
                  <struct>
                    <member><name>faultString</name><value>boom</value></member>
                    <member><name>faultCode</name><value><i4>4</i4></value></member>
                  </struct>
                </value>
              </fault>
            </methodResponse>
            """
        #expect(
            try XMLRPCDecoder.decodeMethodResponse(Array(fault.utf8)) == .fault(XMLRPCFault(code: 4, message: "boom")))
    }

    @Test(arguments: [
        "<methodResponse/>",
        "<methodResponse><params/></methodResponse>",
        "<methodResponse><params><param><value>a</value></param><param><value>b</value></param></params></methodResponse>",
        "<methodResponse><params><param><value>a</value></param></params><fault><value>x</value></fault></methodResponse>",
        "<methodResponse><fault><value><struct/></value></fault></methodResponse>",
        "<methodResponse><fault><value><struct><member><name>faultCode</name><value>x</value></member>"
            + "<member><name>faultString</name><value>y</value></member></struct></value></fault></methodResponse>",
        "<methodCall><methodName>m</methodName></methodCall>",
    ])
    func responsesThatAreNotXMLRPC(_ xml: String) {
        #expect(responseError(xml)?.kind == .notXMLRPC)
    }
}
