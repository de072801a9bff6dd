import Testing
import XMLRPC
import XMLSAX

/// The pre-scan that keeps libxml2 from its quadratic work, and the answers both readers give.
@Suite struct MarkupScanTests {
    private func scan(_ text: String) -> MarkupScan.Refusal? {
        var text = text
        return text.withUTF8 { MarkupScan.check(UnsafeRawBufferPointer($0)) }
    }

    private func attributes(_ count: Int, prefix: String = "a") -> String {
        (0..<count).map { " \(prefix)\($0)=\"v>\($0)\"" }.joined()
    }

    @Test func manyAttributesOnOneElementAreRefusedWithTheLimit() throws {
        let limit = MarkupScan.maximumAttributesPerElement
        #expect(scan("<r><e\(attributes(limit))/></r>") == nil)
        let refusal = try #require(scan("<r>\n<e\(attributes(limit + 1))/></r>"))
        #expect(refusal.line == 2)
        #expect(refusal.message.contains("more than \(limit) attributes"))
    }

    @Test func aBodyWithTwoHundredThousandAttributesIsAFaultNamingTheLimit() throws {
        let body = "<methodCall><methodName\(attributes(200_000))>m</methodName></methodCall>"
        let error = try #require(callError(body))
        #expect(error.kind == .limitExceeded)
        #expect(error.fault.code == XMLRPCFault.parseErrorCode)
        #expect(error.message.contains("\(MarkupScan.maximumAttributesPerElement) attributes"))
    }

    @Test func attributesInsideCommentsCDATAAndValuesAreNotCounted() {
        let many = attributes(500)
        #expect(scan("<r><!--<e\(many)>--><![CDATA[<e\(many)>]]><?pi <e\(many)> ?><e a='\(many)'/></r>") == nil)
    }

    @Test func namespaceDeclarationsInScopeAreBounded() throws {
        let limit = MarkupScan.maximumNamespacesInScope
        let half = (0..<(limit / 2)).map { " xmlns:p\($0)=\"u\"" }.joined()
        // Side by side each element stays within the limit; nested, they add up.
        #expect(scan("<r><a\(half)/><b\(half)></b><c\(half)/></r>") == nil)
        let nested = try #require(scan("<r><a\(half)><b\(half)><c xmlns:q='u'/></b></a></r>"))
        #expect(nested.message.contains("\(limit) namespace declarations"))
        #expect(scan("<r><a\(half)><b\(half)/></a><c xmlns='u'/></r>") == nil)
    }

    @Test func utf16IsReadInItsOwnCodeUnits() throws {
        let document = "<r><e\(attributes(MarkupScan.maximumAttributesPerElement + 1))/></r>"
        let little: [UInt8] = [0xFF, 0xFE] + document.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let big: [UInt8] = [0xFE, 0xFF] + document.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for bytes in [little, big] {
            let refusal = bytes.withUnsafeBytes { MarkupScan.check($0) }
            #expect(refusal?.message.contains("attributes") == true)
        }
    }

    @Test func anEncodingTheScanCannotFollowIsRefused() {
        #expect(scan("<?xml version='1.0' encoding='UCS-4'?><r/>")?.message.contains("UCS-4") == true)
        #expect(scan("<?xml version='1.0' encoding='UTF-7'?><r/>") != nil)
        #expect(scan("<?xml version='1.0' encoding='ISO-8859-1'?><r/>") == nil)
        #expect(scan("<?xml version=\"1.0\" encoding=\"utf-8\"?><r/>") == nil)
        #expect(scan("<?xml version='1.0'?><r/>") == nil)
    }
}
