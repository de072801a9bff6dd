import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import OVirtREST
import Synchronization

/// The oVirt samples shared by the project's tests: `<repo>/../shared/fixtures/ovirt-rest`.
enum Fixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/ovirt-rest")

    /// One `<host>` or `<vm>` element of the samples and the id it carries, to be copied per requested id.
    struct Entity: Sendable {
        var element: String
        var id: String
    }

    static let host = entity("singlehost.xml", tag: "host")
    static let vm = entity("singlevm.xml", tag: "vm")

    private static func entity(_ file: String, tag: String) -> Entity {
        let text = try! String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
        let start = text.range(of: "<\(tag) ")!.lowerBound
        let end = text.range(of: "</\(tag)>", options: .backwards)!.upperBound
        let element = String(text[start..<end])
        let openTag = element[..<element.firstIndex(of: ">")!]
        let id = openTag.firstMatch(of: /\bid="([^"]*)"/)!.1
        return Entity(element: element, id: String(id))
    }
}

/// A stand-in for the engine's REST API on 127.0.0.1: basic auth, `search=id=A or id=B`,
/// one copy of the sample entity per known requested id, and a log of what it was asked.
final class EngineDouble: Sendable {
    enum Behavior: Sendable {
        case answer
        /// Answers, but only after this long.
        case answerAfter(Duration)
        case redirect(to: String)
        /// A valid document padded with entities to at least this many bytes.
        case oversized(bytes: Int, chunked: Bool)
        /// An oVirt `<fault>` with this status and detail.
        case fault(HTTPResponseStatus, detail: String)
        /// Reads the request and closes the connection.
        case hangUp
    }

    struct Request: Sendable {
        var uri: String
        var headers: HTTPHeaders
        /// The ids the search asked for, decoded as the engine decodes them.
        var searchedIDs: [String]
    }

    struct Log {
        var requests: [Request] = []
        var inFlight = 0
        var maxInFlight = 0
    }

    let user: String
    let password: String
    let behavior: Behavior
    /// Answer bodies in chunked encoding rather than with a Content-Length.
    let chunked: Bool
    let knows: @Sendable (String) -> Bool
    let log = Mutex(Log())
    private let channel = Mutex<(any Channel)?>(nil)

    var port: Int { channel.withLock { $0?.localAddress?.port ?? 0 } }
    var requests: [Request] { log.withLock { $0.requests } }
    var maxInFlight: Int { log.withLock { $0.maxInFlight } }

    init(
        user: String = "admin@internal", password: String = "secret", behavior: Behavior = .answer,
        chunked: Bool = false, knows: @escaping @Sendable (String) -> Bool = { !$0.hasPrefix("unknown") }
    ) {
        self.user = user
        self.password = password
        self.behavior = behavior
        self.chunked = chunked
        self.knows = knows
    }

    /// Listens on a free port; with a TLS context it speaks https.
    func start(tls: NIOSSLContext? = nil) async throws {
        let bound = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(EngineDoubleHandler(double: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        channel.withLock { $0 = bound }
    }

    func stop() async {
        try? await channel.withLock { $0 }?.close()
    }

    var url: String { "http://127.0.0.1:\(port)/ovirt-engine/api" }

    func settings(
        url: String? = nil, password: String? = nil, caFile: String? = nil, timeout: Duration = .seconds(10),
        batchSize: Int = 100, maxResponseBytes: Int = 64 << 20, concurrency: Int = 4
    ) -> OVirtRESTSettings {
        OVirtRESTSettings(
            url: url ?? self.url, user: user, password: password ?? self.password, caFile: caFile,
            requestTimeout: timeout, batchSize: batchSize, maxResponseBytes: maxResponseBytes,
            maxConcurrentRequests: concurrency)
    }

    /// The `<hosts>` or `<vms>` document the engine would answer for these ids.
    static func document(collection: String, ids: [String]) -> [UInt8] {
        let entity = collection == "hosts" ? Fixtures.host : Fixtures.vm
        var text = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<\(collection)>\n"
        for id in ids {
            text += "    " + entity.element.replacingOccurrences(of: entity.id, with: xmlEscaped(id)) + "\n"
        }
        return Array((text + "</\(collection)>\n").utf8)
    }

    static func xmlEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `id=A or id=B`, from a query string decoded as JAX-RS does (`+` is a space).
    static func searchedIDs(uri: String) -> [String]? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for item in query.split(separator: "&") where item.hasPrefix("search=") {
            let encoded = item.dropFirst("search=".count).replacingOccurrences(of: "+", with: " ")
            guard let search = encoded.removingPercentEncoding else { return nil }
            var ids: [String] = []
            for term in search.components(separatedBy: " or ") {
                guard term.hasPrefix("id=") else { return nil }
                ids.append(String(term.dropFirst(3)))
            }
            return ids
        }
        return nil
    }
}

private final class EngineDoubleHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let double: EngineDouble
    private var head: HTTPRequestHead?
    private var counted = false

    init(double: EngineDouble) {
        self.double = double
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            answer(context, head)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    private func finish() {
        guard counted else { return }
        counted = false
        double.log.withLock { $0.inFlight -= 1 }
    }

    private func answer(_ context: ChannelHandlerContext, _ head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        let collection = path.split(separator: "/").last.map(String.init) ?? ""
        let ids = EngineDouble.searchedIDs(uri: head.uri)
        double.log.withLock { log in
            log.requests.append(.init(uri: head.uri, headers: head.headers, searchedIDs: ids ?? []))
            log.inFlight += 1
            log.maxInFlight = max(log.maxInFlight, log.inFlight)
        }
        counted = true

        let expected = "Basic " + Data("\(double.user):\(double.password)".utf8).base64EncodedString()
        guard head.headers.first(name: "Authorization") == expected else {
            return respond(
                context, .unauthorized, Array("<html><body>Unauthorized</body></html>".utf8),
                extra: [("WWW-Authenticate", "Basic realm=\"RESTAPI\"")])
        }
        guard path == "/ovirt-engine/api/hosts" || path == "/ovirt-engine/api/vms" else {
            return respond(context, .notFound, [])
        }
        guard let ids else {
            return respond(context, .badRequest, fault("Cannot parse the search: \(head.uri)"))
        }
        let known = ids.filter(double.knows)
        switch double.behavior {
        case .answer:
            respond(context, .ok, EngineDouble.document(collection: collection, ids: known))
        case .answerAfter(let delay):
            context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
                self.respond(context, .ok, EngineDouble.document(collection: collection, ids: known))
            }
        case .redirect(let location):
            respond(context, .found, [], extra: [("Location", location)])
        case .oversized(let bytes, let chunked):
            var padded = known.isEmpty ? ["padding"] : known
            while EngineDouble.document(collection: collection, ids: padded).count < bytes { padded += padded }
            respond(context, .ok, EngineDouble.document(collection: collection, ids: padded), chunked: chunked)
        case .fault(let status, let detail):
            respond(context, status, fault(detail))
        case .hangUp:
            context.close(promise: nil)
        }
    }

    private func fault(_ detail: String) -> [UInt8] {
        Array(
            """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <fault><reason>Operation Failed</reason><detail>\(EngineDouble.xmlEscaped(detail))</detail></fault>
            """.utf8)
    }

    private func respond(
        _ context: ChannelHandlerContext, _ status: HTTPResponseStatus, _ body: [UInt8],
        extra: [(String, String)] = [], chunked: Bool? = nil
    ) {
        var headers = HTTPHeaders(extra)
        headers.add(name: "Content-Type", value: "application/xml")
        headers.add(name: "Connection", value: "close")
        let chunked = chunked ?? double.chunked
        if !chunked { headers.add(name: "Content-Length", value: String(body.count)) }
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        // Several writes, so that the client sees the body in pieces as from a real engine.
        var offset = 0
        while offset < body.count {
            let piece = body[offset..<min(offset + 16_384, body.count)]
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: piece)))), promise: nil)
            offset += piece.count
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            self.finish()
            context.close(promise: nil)
        }
    }
}
