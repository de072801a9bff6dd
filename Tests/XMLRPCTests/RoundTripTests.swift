import Testing
import XMLRPC

@Suite struct RoundTripTests {
    @Test(arguments: [
        XMLRPCValue.int(0), .int(-1), .int(Int64(Int32.max)), .int(Int64(Int32.min)), .int(Int64(Int32.max) + 1),
        .int(Int64.min), .int(Int64.max), .boolean(true), .boolean(false), .string(""), .string("plain"),
        .double(0.1), .double(-2.5e-300), .double(1e300), .double(-0.0), .dateTime("19980717T14:08:55"),
        .base64([]), .base64([0]), .base64([0, 1]), .base64(Array(0...255)), .nil, .array([]), .struct([:]),
    ])
    func scalarAndEmptyValues(_ value: XMLRPCValue) throws {
        #expect(try roundTrip(value) == .success(value))
    }

    @Test func nestedArraysAndStructsKeepOrderAndTypes() throws {
        let value: XMLRPCValue = [
            "result_code": 0,
            "result": [["host-1", 10], ["host-2", -3]],
            "plugin_errors": ["filter": ["it failed", "twice"]],
            "nothing": .nil,
            "ratio": 0.75,
            "flags": [true, false],
            "blob": .base64(Array("binary\u{0}data".utf8)),
        ]
        #expect(try roundTrip(value) == .success(value))
    }

    @Test func methodCallRoundTrips() throws {
        let call = XMLRPCMethodCall(
            methodName: "runCostFunctions",
            params: [[["func", 2]], ["h1", "h2"], "vm", ["key": "value"]])
        #expect(try XMLRPCDecoder.decodeMethodCall(XMLRPCEncoder.encodeMethodCall(call)) == call)
    }

    @Test func methodCallWithoutParamsRoundTrips() throws {
        let call = XMLRPCMethodCall(methodName: "discover")
        #expect(try XMLRPCDecoder.decodeMethodCall(XMLRPCEncoder.encodeMethodCall(call)) == call)
    }

    @Test(arguments: [
        "<&>\r\n\t", "a]]>b", "  leading and trailing  ", "\r", "\r\n", "Ünïcødé 日本語 🚀", "&amp; stays literal",
        "\"quotes\" and 'apostrophes'",
    ])
    func stringsSurviveEscaping(_ string: String) throws {
        #expect(try roundTrip(.string(string)) == .success(.string(string)))
        let name = XMLRPCMethodCall(methodName: "m", params: [.struct([string: .string(string)])])
        #expect(try XMLRPCDecoder.decodeMethodCall(XMLRPCEncoder.encodeMethodCall(name)) == name)
    }

    @Test(arguments: [
        ("bell\u{7}", "bell\u{FFFD}"), ("\u{0}", "\u{FFFD}"), ("\u{B}\u{C}", "\u{FFFD}\u{FFFD}"),
        ("a\u{1F}b", "a\u{FFFD}b"), ("\u{FFFE}x\u{FFFF}", "\u{FFFD}x\u{FFFD}"),
        ("\u{FFFD}\u{FFEE}\u{F8FF}", "\u{FFFD}\u{FFEE}\u{F8FF}"),
    ])
    func charactersXMLForbidsBecomeReplacementCharacters(_ sent: String, _ received: String) throws {
        #expect(try roundTrip(.string(sent)) == .success(.string(received)))
        #expect(try roundTrip(.struct([sent: 1])) == .success(.struct([received: 1])))
    }

    @Test func arbitraryStringsRoundTripWithOnlyForbiddenCharactersReplaced() throws {
        let alphabet: [Unicode.Scalar] = [
            "a", "Z", "0", " ", "&", "<", ">", "\"", "'", "]", "\t", "\n", "\r", "\u{0}", "\u{8}", "\u{B}", "\u{1F}",
            "\u{7F}", "é", "€", "\u{FFFD}", "\u{FFFE}", "\u{FFFF}", "\u{F8FF}", "🚀",
        ]
        let forbidden: Set<Unicode.Scalar> = ["\u{0}", "\u{8}", "\u{B}", "\u{1F}", "\u{FFFE}", "\u{FFFF}"]
        var random = SplitMix(seed: 42)
        for _ in 0..<300 {
            let scalars = (0..<random.next(below: 40)).map { _ in alphabet[random.next(below: alphabet.count)] }
            let sent = String(String.UnicodeScalarView(scalars))
            let received = String(String.UnicodeScalarView(scalars.map { forbidden.contains($0) ? "\u{FFFD}" : $0 }))
            #expect(try roundTrip(.string(sent)) == .success(.string(received)))
        }
    }

    @Test func faultRoundTrips() throws {
        let fault = XMLRPCFault(code: XMLRPCFault.methodNotFoundCode, message: "method \"x<&>\" is not supported\r\n")
        #expect(try XMLRPCDecoder.decodeMethodResponse(XMLRPCEncoder.encodeFault(fault)) == .fault(fault))
    }

    @Test func decodingErrorFaultsRoundTrip() throws {
        let error = try #require(callError("<methodCall><methodName>x</methodCall>"))
        let response = try XMLRPCDecoder.decodeMethodResponse(XMLRPCEncoder.encodeFault(error.fault))
        #expect(response == .fault(XMLRPCFault(code: -32700, message: error.description)))
    }
}

/// A small deterministic generator, so a failure can be reproduced.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next(below bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((mixed ^ (mixed >> 31)) % UInt64(bound))
    }
}
