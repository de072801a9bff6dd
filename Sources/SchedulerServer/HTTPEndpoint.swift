import Foundation
import NIOCore
import NIOHTTP1

/// A path the server answers besides XML-RPC (`POST /` and `POST /RPC2`): the status page,
/// metrics, health, decisions, OpenNebula's external scheduler. Each lives in a file of its
/// own and is handed to `HTTPServer` by the daemon; the server only routes to it.
public protocol HTTPEndpoint: Sendable {
    /// Whether this endpoint answers `path` (the request target without its query).
    func serves(path: String) -> Bool
    /// The methods it answers; others get 405 with an `Allow` header.
    var methods: [HTTPMethod] { get }
    /// The answer. Runs in a task of its own, off the event loop's read; work whose size a
    /// request controls must be bounded here.
    func answer(_ request: EndpointRequest) async -> EndpointAnswer
}

/// A request as an endpoint sees it: already limited by the server (head size, body size,
/// body rate) and inflated when it was compressed.
public struct EndpointRequest: Sendable {
    public var method: HTTPMethod
    public var path: String
    /// The part after `?`, undecoded ("" when none).
    public var query: String
    public var headers: HTTPHeaders
    public var body: ByteBuffer

    public init(method: HTTPMethod, path: String, query: String, headers: HTTPHeaders, body: ByteBuffer) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// The query's `name=value` pairs, percent-decoded; later ones win.
    public var queryItems: [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { Self.percentDecoded($0) }
            items[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return items
    }

    private static func percentDecoded(_ text: Substring) -> String {
        let plusAsSpace = text.replacingOccurrences(of: "+", with: " ")
        return plusAsSpace.removingPercentEncoding ?? plusAsSpace
    }
}

public struct EndpointAnswer: Sendable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]

    public init(
        status: HTTPResponseStatus = .ok, contentType: String, body: [UInt8], headers: [(String, String)] = []
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.headers = headers
    }

    public init(status: HTTPResponseStatus = .ok, contentType: String, text: String, headers: [(String, String)] = []) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8), headers: headers)
    }
}
