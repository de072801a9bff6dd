import Foundation

/// The page around the report: the template (`status.html`, compiled in) with the report's
/// JSON and the response's nonce put in. The JSON goes into a non-executable script element
/// with every `<`, `>` and `&` escaped, so no value in it (a unit name, a reason, a host id)
/// can end the element; the page's script puts each value in with `textContent`, never as markup.
enum StatusPageHTML {
    static let template = String(decoding: PackageResources.status_html, as: UTF8.self)

    static func page(json: some Sequence<UInt8>, nonce: String) -> [UInt8] {
        var escaped: [UInt8] = []
        for byte in json {
            switch byte {
            case UInt8(ascii: "<"): escaped += Array(#"\u003c"#.utf8)
            case UInt8(ascii: ">"): escaped += Array(#"\u003e"#.utf8)
            case UInt8(ascii: "&"): escaped += Array(#"\u0026"#.utf8)
            default: escaped.append(byte)
            }
        }
        let text =
            template
            .replacingOccurrences(of: "{{NONCE}}", with: nonce)
            .replacingOccurrences(of: "{{STATUS_JSON}}", with: String(decoding: escaped, as: UTF8.self))
        return Array(text.utf8)
    }
}
