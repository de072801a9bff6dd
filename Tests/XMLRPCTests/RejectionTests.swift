import Testing
import XMLRPC

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct MalformedXMLTests {
    @Test(arguments: [
        ("", "empty body"),
        ("   \n", "whitespace only"),
        ("<methodCall><methodName>m</methodName><params>", "truncated"),
        ("<methodCall><methodName>m</methodName><params><param><value><string>x", "truncated in a value"),
        ("<methodCall><methodName>m</methodName></params></methodCall>", "mismatched tags"),
        ("<methodCall><methodName>m</methodName></methodCall><methodCall/>", "two roots"),
        ("<methodCall><methodName>a & b</methodName></methodCall>", "bare ampersand"),
        ("<methodCall><methodName>&undefined;</methodName></methodCall>", "undeclared entity"),
        ("<methodCall><methodName a='1' a='2'>m</methodName></methodCall>", "repeated attribute"),
        ("not xml at all", "text"),
    ])
    func malformed(_ xml: String, _ what: String) throws {
        let error = try #require(callError(xml), "\(what)")
        #expect(error.kind == .malformedXML, "\(what): \(error)")
        #expect(error.fault.code == XMLRPCFault.parseErrorCode)
        #expect(!error.message.isEmpty)
    }

    @Test(arguments: [
        [UInt8]([0xFF, 0xFE, 0x00, 0x12, 0x80, 0x81]),
        Array("<methodCall><methodName>".utf8) + [0xC3, 0x28] + Array("</methodName></methodCall>".utf8),
        Array("<methodCall><methodName>m\u{0}</methodName></methodCall>".utf8),
        // Bytes the declared character set cannot convert: libxml2 reports these away from the parser.
        Array("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><methodCall><methodName>".utf8) + [0x82, 0xFF, 0x81]
            + Array("</methodName></methodCall>".utf8),
    ])
    func garbageAndBadEncoding(_ body: [UInt8]) throws {
        let error = try #require(callError(body))
        #expect(error.kind == .malformedXML)
        #expect(error.fault.code == -32700)
    }

    @Test func positionIsLibxml2s() throws {
        let error = try #require(
            callError("<methodCall>\n<methodName>m</methodName>\n  <params></param>\n</methodCall>"))
        #expect(error.kind == .malformedXML)
        #expect(error.line == 3)
        #expect(error.message.contains("params"))
        #expect(error.description.hasPrefix("malformed XML at line 3, column "))
    }
}

@Suite struct NotXMLRPCTests {
    @Test(arguments: [
        ("<methodResponse><params/></methodResponse>", "<methodResponse>"),
        ("<call><methodName>m</methodName></call>", "<call>"),
        ("<methodCall><params/></methodCall>", "no <methodName>"),
        ("<methodCall><methodName> </methodName></methodCall>", "<methodName> is empty"),
        ("<methodCall><methodName>a</methodName><methodName>b</methodName></methodCall>", "more than one <methodName>"),
        ("<methodCall><methodName>m<b/></methodName></methodCall>", "<b>"),
        ("<methodCall><methodName>m</methodName><params/><params/></methodCall>", "more than one <params>"),
        ("<methodCall><methodName>m</methodName>stray</methodCall>", "\"stray\""),
        ("<methodCall><methodName>m</methodName><params>stray</params></methodCall>", "\"stray\""),
        ("<methodCall><methodName>m</methodName><params><value>x</value></params></methodCall>", "<value>"),
        ("<methodCall><methodName>m</methodName><params><param/></params></methodCall>", "no <value>"),
        (
            "<methodCall><methodName>m</methodName><params><param><value>a</value><value>b</value></param></params></methodCall>",
            "more than one <value>"
        ),
        ("<methodCall><methodName>m</methodName><extra/></methodCall>", "<extra>"),
    ])
    func structure(_ xml: String, _ mentioned: String) throws {
        let error = try #require(callError(xml))
        #expect(error.kind == .notXMLRPC, "\(error)")
        #expect(error.fault.code == XMLRPCFault.invalidRequestCode)
        #expect(error.message.contains(mentioned), "\(error.message)")
    }

    @Test(arguments: [
        ("<value><foo>1</foo></value>", "<foo>"),
        ("<value><ex:serializable>rO0=</ex:serializable></value>", "<ex:serializable>"),
        ("<value><i4>1</i4><i4>2</i4></value>", "more than one"),
        ("<value>text<i4>1</i4></value>", "\"text\""),
        ("<value><i4>1</i4>text</value>", "\"text\""),
        ("<value><array><value>x</value></array></value>", "<value>"),
        ("<value><array><data/><data/></array></value>", "more than one <data>"),
        ("<value><array><data>loose</data></array></value>", "\"loose\""),
        ("<value><struct><value>x</value></struct></value>", "<value>"),
        ("<value><struct><member><value>x</value></member></struct></value>", "no <name>"),
        ("<value><struct><member><name>k</name></member></struct></value>", "no <value>"),
        (
            "<value><struct><member><name>k</name><name>j</name><value/></member></struct></value>",
            "more than one <name>"
        ),
        ("<value><string>a<b>c</b></string></value>", "<b>"),
    ])
    func values(_ value: String, _ mentioned: String) throws {
        let error = try #require(valueError(value))
        #expect(error.kind == .notXMLRPC, "\(error)")
        #expect(error.message.contains(mentioned), "\(error.message)")
    }

    @Test func positionPointsAtTheOffendingElement() throws {
        let error = try #require(
            callError(
                """
                <methodCall>
                  <methodName>m</methodName>
                  <params><param><value><foo/></value></param></params>
                </methodCall>
                """))
        #expect(error.line == 3)
        #expect(error.column > 20)
        #expect(error.description.hasPrefix("not XML-RPC at line 3, column"))
    }

    @Test func longTextIsCutShortInMessages() throws {
        let error = try #require(valueError("<value><int>\(String(repeating: "9x", count: 5000))</int></value>"))
        #expect(error.message.count < 200)
    }
}

@Suite struct HostileInputTests {
    static let billionLaughs = """
        <?xml version="1.0"?>
        <!DOCTYPE lolz [
          <!ENTITY lol "lol">
          <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
          <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
          <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
          <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
          <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
          <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
          <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
          <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
          <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
        ]>
        <methodCall><methodName>&lol9;</methodName><params><param><value>&lol9;</value></param></params></methodCall>
        """

    static let externalEntity = """
        <?xml version="1.0"?>
        <!DOCTYPE methodCall [<!ENTITY passwd SYSTEM "file:///etc/passwd">]>
        <methodCall><methodName>m</methodName><params><param><value>&passwd;</value></param></params></methodCall>
        """

    static let externalDTD = """
        <?xml version="1.0"?>
        <!DOCTYPE methodCall SYSTEM "http://127.0.0.1:9/xmlrpc.dtd">
        <methodCall><methodName>m</methodName></methodCall>
        """

    @Test(arguments: [billionLaughs, externalEntity, externalDTD])
    func doctypeIsRejectedBeforeAnyEntityIsRead(_ xml: String) throws {
        let error = try #require(callError(xml))
        #expect(error.kind == .notXMLRPC)
        #expect(error.message == "DOCTYPE is not allowed in XML-RPC")
        #expect(error.line == 2)
        #expect(error.fault.code == -32600)
        #expect(!error.fault.message.contains("root:"))
    }

    /// A DTD broken off after an error (here its missing name): libxml2 keeps the entity declarations it
    /// read in a document of its own, which the decoder must free. Found by Tests/Fuzz: it leaked about
    /// 13 KB a request.
    static let brokenOffDTD = """
        <?xml version="1.0"?>
        <!DOCTYPE [
          <!ENTITY e "x">
          <!ENTITY f "&e;&e;
        """

    @Test func aBrokenOffDTDLeavesNothingAllocated() throws {
        let body = Array(Self.brokenOffDTD.utf8)
        #expect(callError(body)?.kind == .malformedXML)
        // The process's peak resident size: other tests run alongside, so only growth far beyond what they
        // could cause counts (leaking, these decodes would take some 400 MB).
        let before = peakResidentBytes()
        for _ in 0..<30_000 {
            _ = callError(body)
        }
        #expect(peakResidentBytes() - before < 128 << 20)
    }

    @Test func externalEntityContentNeverReachesTheFault() throws {
        let error = try #require(callError(Self.externalEntity))
        for word in ["root", "nologin", "/bin/", "daemon"] {
            #expect(!error.description.contains(word))
        }
    }

    @Test func nestingBeyondTheLimitFails() throws {
        let limits = XMLRPCDecodingLimits(maxDepth: 8)
        let xml =
            String(repeating: "<value><array><data>", count: 9) + String(repeating: "</data></array></value>", count: 9)
        let call = "<methodCall><methodName>m</methodName><params><param>\(xml)</param></params></methodCall>"
        let error = try #require(callError(call, limits: limits))
        #expect(error.kind == .limitExceeded)
        #expect(error.fault.code == -32700)
        #expect(error.message.contains("8"))
    }

    @Test func structNestingCountsToo() throws {
        let limits = XMLRPCDecodingLimits(maxDepth: 2)
        let value = "<value><struct><member><name>a</name><value><array><data><value><struct/></value></data></array>"
        let error = try #require(valueError(value + "</value></member></struct></value>", limits: limits))
        #expect(error.kind == .limitExceeded)
    }

    @Test func deepNestingUnderDefaultLimitsFailsAsALimit() throws {
        // Far deeper than libxml2's own cap on element nesting, which then answers first.
        let xml =
            String(repeating: "<value><array><data>", count: 5000)
            + String(repeating: "</data></array></value>", count: 5000)
        let error = try #require(valueError(xml))
        #expect(error.kind == .limitExceeded)
        #expect(error.fault.code == -32700)
    }

    @Test func tooManyElementsFails() throws {
        let limits = XMLRPCDecodingLimits(maxElements: 100)
        let items = String(repeating: "<value>x</value>", count: 200)
        let call = "<methodCall><methodName>m</methodName><params><param><value><array><data>\(items)"
        let error = try #require(
            callError(call + "</data></array></value></param></params></methodCall>", limits: limits))
        #expect(error.kind == .limitExceeded)
        #expect(error.message.contains("100"))
        let fewer = String(repeating: "<value>x</value>", count: 90)
        let small = "<methodCall><methodName>m</methodName><params><param><value><array><data>\(fewer)"
        #expect(
            try decodeCall(small + "</data></array></value></param></params></methodCall>", limits: limits).params.count
                == 1)
    }

    @Test func concurrentDecodesKeepTheirOwnResultsAndErrors() async throws {
        let good = Array(ApacheRequestTests.runFilters.utf8)
        let expected = try XMLRPCDecoder.decodeMethodCall(good)
        let bad = Array("<methodCall><methodName>m</methodName></params></methodCall>".utf8)
        let wrong = Array("<methodCall><methodName>m</methodName><params><value/></params></methodCall>".utf8)
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<16 {
                group.addTask {
                    for round in 0..<200 {
                        switch (task + round) % 3 {
                        case 0:
                            guard (try? XMLRPCDecoder.decodeMethodCall(good)) == expected else { return false }
                        case 1:
                            guard callError(bad)?.kind == .malformedXML else { return false }
                        default:
                            guard callError(wrong)?.kind == .notXMLRPC else { return false }
                        }
                    }
                    return true
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes == Array(repeating: true, count: 16))
    }
}

private func peakResidentBytes() -> Int {
    var usage = rusage()
    #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return usage.ru_maxrss
    #else
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss * 1024  // kilobytes on Linux
    #endif
}
