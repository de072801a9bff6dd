import Foundation
import Testing

@testable import StatusPage

@Suite struct StatusPageHTMLTests {
    /// A value that tries to close the data element and run a script stays inside it, as JSON text.
    @Test func theReportCannotEndItsScriptElement() {
        let hostile = #"{"name":"</script><script>alert(1)</script><!--&amp;"}"#
        let page = String(decoding: StatusPageHTML.page(json: Array(hostile.utf8), nonce: "n0nce"), as: UTF8.self)
        #expect(!page.contains("</script><script>alert(1)"))
        #expect(page.contains(#"\u003c/script\u003e\u003cscript\u003ealert(1)"#))
        #expect(page.contains(#"\u0026amp;"#))
        #expect(page.contains(#"<script nonce="n0nce">"#))
        #expect(!page.contains("{{"))
    }

    @Test func eachPageHasAFreshNonce() {
        #expect(StatusPageEndpoint.nonce() != StatusPageEndpoint.nonce())
    }
}
