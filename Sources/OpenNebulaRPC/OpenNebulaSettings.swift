#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Why talking to OpenNebula's XML-RPC API failed; never holds the session string.
public struct OpenNebulaError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

/// Where oned's XML-RPC API is (`opennebula_url`, e.g. `http://127.0.0.1:2633/RPC2`) and the
/// session string (`user:password`) read from the admin's file, never from a request.
public struct OpenNebulaSettings: Sendable {
    public var url: String
    public var session: String
    public var requestTimeout: Duration
    public var maxResponseBytes: Int

    public init(url: String, session: String, requestTimeout: Duration = .seconds(30), maxResponseBytes: Int = 32 << 20)
    {
        self.url = url
        self.session = session
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
    }

    /// The session from its file (OpenNebula's `one_auth` format): the first line, without
    /// its line break. The error names the file, never its contents.
    public static func session(fromFile path: String) throws(OpenNebulaError) -> String {
        guard !path.isEmpty else { throw OpenNebulaError("opennebula_session_file is not set") }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw OpenNebulaError("opennebula_session_file \(path) cannot be read")
        }
        guard data.count <= 64 << 10, let text = String(data: data, encoding: .utf8) else {
            throw OpenNebulaError("opennebula_session_file \(path) is not a short UTF-8 text file")
        }
        let session = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        guard session.contains(":") else {
            throw OpenNebulaError("opennebula_session_file \(path) must hold user:password on its first line")
        }
        return session
    }
}

/// The parts of `opennebula_url` a request needs: plain http (oned listens on loopback or
/// behind a proxy that terminates TLS).
struct OpenNebulaAddress: Sendable, Equatable {
    var host: String
    var port: Int
    var path: String

    init(parsing url: String) throws(OpenNebulaError) {
        func invalid(_ problem: String) -> OpenNebulaError {
            OpenNebulaError("opennebula_url \(problem), got '\(url)'")
        }
        guard url.lowercased().hasPrefix("http://") else { throw invalid("must start with http://") }
        let rest = url.dropFirst("http://".count)
        guard !rest.contains(where: { $0 == "?" || $0 == "#" || $0 == "@" || $0.isWhitespace }) else {
            throw invalid("must not hold a query, fragment, user or space")
        }
        let authority = rest.prefix { $0 != "/" }
        let remainder = rest.dropFirst(authority.count)
        path = remainder.isEmpty ? "/RPC2" : String(remainder)
        let hostPart: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("has an unclosed '['") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw invalid("has text after ']'") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            hostPart = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw invalid("has no host") }
        host = String(hostPart)
        if let portText {
            guard let port = Int(portText), (1...65535).contains(port) else { throw invalid("has a bad port") }
            self.port = port
        } else {
            port = 2633
        }
    }

    var authority: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
}
