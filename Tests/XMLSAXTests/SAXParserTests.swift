import Testing
import XMLSAX

/// Writes down the events it is given, and refuses the element named `refused`.
private struct Recorder: SAXEvents {
    struct Refusal: Error {
        var message: String
    }

    var refused: String?
    var events: [String] = []
    var names: [UnsafePointer<UInt8>] = []

    mutating func startElement(
        localName: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?, attributes: SAXAttributes
    ) throws(Refusal) {
        let name = String(cString: localName)
        if name == refused { throw Refusal(message: "no <\(name)> here") }
        names.append(localName)
        var attributeText = ""
        for index in 0..<attributes.count {
            guard let attribute = attributes[index] else { throw Refusal(message: "attribute \(index) has no value") }
            let attributeName = attribute.localName.map { String(cString: $0) } ?? "?"
            attributeText += " \(attributeName)=\(String(decoding: attribute.value, as: UTF8.self))"
        }
        events.append("<\(name)\(attributeText)>")
    }

    mutating func endElement() {
        events.append("</>")
    }

    mutating func characters(_ bytes: UnsafeBufferPointer<UInt8>) {
        events.append(String(decoding: bytes, as: UTF8.self))
    }
}

extension SAXParser {
    fileprivate func read(_ text: String, into recorder: inout Recorder) throws(SAXFailure<Recorder.Refusal>) {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(SAXFailure<Recorder.Refusal>) in
                try parse(UnsafeRawBufferPointer(bytes), into: &recorder)
            }
        }
        try result.get()
    }

    /// The failure reading `text` ends in, and what the reader was told before it.
    fileprivate func failure(_ text: String) -> (failure: SAXFailure<Recorder.Refusal>?, events: [String]) {
        var recorder = Recorder()
        do {
            try read(text, into: &recorder)
            return (nil, recorder.events)
        } catch {
            return (error, recorder.events)
        }
    }
}

@Suite struct SAXParserTests {
    @Test func eventsArriveInDocumentOrderWithReferencesResolvedAndCommentsLeftOut() throws {
        var recorder = Recorder()
        try SAXParser().read("<r a='1 &amp; 2'>x<!-- no --><e/>&lt;<![CDATA[<y>]]></r>", into: &recorder)
        #expect(recorder.events.joined() == "<r a=1 &#38; 2>x<e></><<y></>")
    }

    @Test func aDoctypeIsRefusedBeforeItsDeclarationsSoNoEntityIsExpanded() throws {
        let (failure, events) = SAXParser().failure(
            "<?xml version='1.0'?>\n<!DOCTYPE r [<!ENTITY e 'boom'><!ENTITY f SYSTEM 'file:///etc/passwd'>]><r>&e;&f;</r>"
        )
        let refusal = try #require(failure)
        guard case .doctype = refusal.reason else {
            Issue.record("\(refusal.reason)")
            return
        }
        #expect(refusal.line == 2)
        #expect(events.isEmpty)
    }

    @Test func anUndeclaredEntityIsAnErrorNotText() throws {
        let (failure, events) = SAXParser().failure("<r>&e;</r>")
        let refusal = try #require(failure)
        guard case .malformed(let message) = refusal.reason else {
            Issue.record("\(refusal.reason)")
            return
        }
        #expect(message.contains("'e'"))
        #expect(!events.contains { $0.contains("boom") })
    }

    @Test func libxml2sMessageIsTrimmedAndSaysWhere() throws {
        let refusal = try #require(SAXParser().failure("<r>\n<e>x</f>\n</r>").failure)
        guard case .malformed(let message) = refusal.reason else {
            Issue.record("\(refusal.reason)")
            return
        }
        #expect(!message.isEmpty)
        #expect(message.last?.isWhitespace == false)
        #expect(message.contains("e"))
        #expect(refusal.line == 2)
    }

    @Test func theReadersRefusalStopsTheParseWhereItHappened() throws {
        var recorder = Recorder(refused: "stop")
        do {
            try SAXParser().read("<r>\n<a/>\n<stop/><after/></r>", into: &recorder)
            Issue.record("the refusal was lost")
        } catch {
            guard case .refused(let refusal) = error.reason else {
                Issue.record("\(error.reason)")
                return
            }
            #expect(refusal.message == "no <stop> here")
            #expect(error.line == 3)
        }
        #expect(recorder.events == ["<r>", "\n", "<a>", "</>", "\n"])
    }

    @Test func theMarkupScanBoundsAttributesBeforeLibxml2ReadsThem() throws {
        let attributes = (0...MarkupScan.maximumAttributesPerElement).map { " a\($0)='v'" }.joined()
        let (failure, events) = SAXParser().failure("<r>\n<e\(attributes)/></r>")
        let refusal = try #require(failure)
        guard case .limitExceeded(let message) = refusal.reason else {
            Issue.record("\(refusal.reason)")
            return
        }
        #expect(message.contains("more than \(MarkupScan.maximumAttributesPerElement) attributes"))
        #expect(refusal.line == 2)
        #expect(events.isEmpty)
    }

    @Test func libxml2sNestingCapIsALimitNotAdviceToUseHuge() throws {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        let refusal = try #require(SAXParser().failure(deep).failure)
        guard case .limitExceeded(let message) = refusal.reason else {
            Issue.record("\(refusal.reason)")
            return
        }
        #expect(message.hasPrefix("elements nested more than "))
        #expect(!message.contains("HUGE"))
    }

    @Test func nothingAtAllIsEmpty() throws {
        let refusal = try #require(SAXParser().failure("").failure)
        guard case .empty = refusal.reason else {
            Issue.record("\(refusal.reason)")
            return
        }
    }

    @Test func oneParserReadsASeriesWithNamesInternedAndFailuresKeptToTheirDocument() throws {
        let parser = SAXParser()
        var first = Recorder()
        try parser.read("<host><name>a</name></host>", into: &first)
        #expect(parser.failure("<!DOCTYPE host []><host/>").failure != nil)
        #expect(parser.failure("<host><name>b</host>").failure != nil)
        var last = Recorder()
        try parser.read("<host><name>c</name></host>", into: &last)
        #expect(last.events == ["<host>", "<name>", "c", "</>", "</>"])
        #expect(first.names == last.names)
    }
}
