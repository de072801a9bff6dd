import NIOCore

/// The parts of `ovirt_url` a request needs. Split by hand because only absolute
/// http(s) URLs of one shape are meaningful here, and each mistake deserves its own message.
struct EngineAddress: Sendable, Equatable {
    var usesTLS: Bool
    /// Without the brackets of an IPv6 literal.
    var host: String
    var port: Int
    /// Path of the API root without a trailing slash, e.g. `/ovirt-engine/api` (or empty).
    var basePath: String

    init(parsing url: String) throws(OVirtRESTError) {
        func invalid(_ problem: String) -> OVirtRESTError {
            OVirtRESTError(.configuration, "ovirt_url \(problem), got '\(url)'")
        }
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("https://") {
            usesTLS = true
            rest = url.dropFirst("https://".count)
        } else if lowered.hasPrefix("http://") {
            usesTLS = false
            rest = url.dropFirst("http://".count)
        } else {
            throw invalid("must start with http:// or https://")
        }
        guard !rest.contains(where: { $0 == "?" || $0 == "#" }) else {
            throw invalid("must not have a query (?) or fragment (#)")
        }
        let authority = rest.prefix { $0 != "/" }
        basePath = String(rest.dropFirst(authority.count))
        while basePath.hasSuffix("/") { basePath.removeLast() }
        guard !authority.contains("@") else {
            throw invalid("must not hold a user or password (use ovirt_user and ovirt_password_file)")
        }

        let portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw invalid("has an unclosed '['") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            guard after.isEmpty || after.hasPrefix(":") else { throw invalid("has text after ']'") }
            portText = after.isEmpty ? nil : after.dropFirst()
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
            portText = nil
        }
        guard !host.isEmpty else { throw invalid("has no host name") }
        if let portText {
            guard portText.allSatisfy(\.isASCII), let port = Int(portText), (1...65535).contains(port) else {
                throw invalid("has a port that is not a number from 1 to 65535")
            }
            self.port = port
        } else {
            port = usesTLS ? 443 : 80
        }
    }

    /// Whether the host is an IP literal: such hosts get no SNI (TLS forbids it), and their
    /// certificate is checked against the IP address instead.
    var hostIsIPAddress: Bool { (try? SocketAddress(ipAddress: host, port: 0)) != nil }

    /// `host[:port]` as the Host header and messages write it (brackets around IPv6).
    var authority: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return port == (usesTLS ? 443 : 80) ? shownHost : "\(shownHost):\(port)"
    }

    /// What `cannot connect to …` names: always with the port, since that is what was tried.
    var endpoint: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    var origin: String { "\(usesTLS ? "https" : "http")://\(authority)" }
}

/// One search request: its path and query, and a short form for messages.
struct SearchRequest: Sendable {
    var collection: OVirtCollection
    /// The request target sent on the wire.
    var target: String
    /// The URL for log lines: a hundred UUIDs would drown the actual complaint.
    var shown: String

    init(engine: EngineAddress, collection: OVirtCollection, ids: [String]) {
        self.collection = collection
        // oVirt's search language: `id=A or id=B`; the whole expression is one query value.
        let search = ids.map { "id=\($0)" }.joined(separator: " or ")
        let path = "\(engine.basePath)/\(collection.rawValue)"
        target = "\(path)?search=\(Self.percentEncoded(search))"
        let first = Self.percentEncoded("id=\(ids.first ?? "")")
        let more = ids.count > 1 ? "%20or%20… (\(ids.count) ids)" : ""
        shown = "\(engine.origin)\(path)?search=\(first)\(more)"
    }

    /// The whole collection, unsearched: every host or VM the engine's user may see.
    init(engine: EngineAddress, everyOf collection: OVirtCollection) {
        self.collection = collection
        let path = "\(engine.basePath)/\(collection.rawValue)"
        target = path
        shown = "\(engine.origin)\(path)"
    }

    /// Everything but RFC 3986's unreserved characters is escaped, so `&`, `+`, `=`, `%`, `#`
    /// and non-ASCII ids reach the engine's search parser exactly as the engine sent them.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
