import NIOCore
import NIOHTTP1
import NIOPosix
import XMLRPC

/// Calls oned's XML-RPC API. One connection per call (`Connection: close`): the daemon asks
/// once per `inventory_ttl`, far apart, so a kept-alive socket would mostly be a dead one.
public final class OpenNebulaClient: Sendable {
    let settings: OpenNebulaSettings
    let address: OpenNebulaAddress
    let group: any EventLoopGroup

    /// Checks the settings now, so a wrong configuration stops the daemon at start-up.
    public init(
        settings: OpenNebulaSettings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(OpenNebulaError) {
        address = try OpenNebulaAddress(parsing: settings.url)
        guard settings.requestTimeout > .zero else { throw OpenNebulaError("the OpenNebula timeout must be positive") }
        guard settings.maxResponseBytes > 0 else {
            throw OpenNebulaError("the OpenNebula response limit must be positive")
        }
        self.settings = settings
        group = eventLoopGroup
    }

    /// `one.hostpool.info`: the `<HOST_POOL>` document of every host oned knows.
    public func hostPool() async throws(OpenNebulaError) -> String {
        try await call("one.hostpool.info", [])
    }

    /// An OpenNebula call answers `[success, text or error message, error code, ...]`; the
    /// session string always goes first and never appears in an error.
    func call(_ method: String, _ arguments: [XMLRPCValue]) async throws(OpenNebulaError) -> String {
        let body = XMLRPCEncoder.encodeMethodCall(
            XMLRPCMethodCall(methodName: method, params: [.string(settings.session)] + arguments))
        let answer = try await post(body, method: method)
        let response: XMLRPCResponse
        do {
            response = try XMLRPCDecoder.decodeMethodResponse(answer)
        } catch {
            throw OpenNebulaError("\(method): the answer is not XML-RPC: \(error)")
        }
        switch response {
        case .fault(let fault):
            throw OpenNebulaError("\(method): oned answered a fault: \(fault.message.prefix(512))")
        case .success(.array(let items)) where items.count >= 2:
            guard case .boolean(let succeeded) = items[0], case .string(let text) = items[1] else { break }
            guard succeeded else { throw OpenNebulaError("\(method): oned refused: \(text.prefix(512))") }
            return text
        default:
            break
        }
        throw OpenNebulaError("\(method): the answer is not [success, text, code]")
    }

    private func post(_ body: [UInt8], method: String) async throws(OpenNebulaError) -> [UInt8] {
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: [UInt8].self)
        let timeout = settings.requestTimeout
        let shown = "\(method) at \(address.authority)"
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(OpenNebulaError("\(shown): no answer within \(timeout)"))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: address.authority)
        headers.add(name: "Content-Type", value: "text/xml")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: address.path, headers: headers)
        let limit = settings.maxResponseBytes
        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(timeout))
            .channelInitializer { channel in
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                }
            }
            .connect(host: address.host, port: address.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    do {
                        try channel.pipeline.syncOperations.addHandler(
                            XMLRPCExchange(head: head, body: body, limit: limit, promise: promise, shown: shown))
                    } catch {
                        promise.fail(OpenNebulaError("\(shown): \(error)"))
                    }
                case .failure(let error):
                    promise.fail(OpenNebulaError("\(shown): cannot connect: \(error)"))
                }
            }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(OpenNebulaError("\(shown): cancelled"))
            }
        } catch let error as OpenNebulaError {
            throw error
        } catch {
            throw OpenNebulaError("\(shown): \(error)")
        }
    }
}

/// Sends one POST and collects the answer, refusing it once it passes `limit` bytes.
final class XMLRPCExchange: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let head: HTTPRequestHead
    private let body: [UInt8]
    private let limit: Int
    private let promise: EventLoopPromise<[UInt8]>
    private let shown: String
    private var status: HTTPResponseStatus?
    private var received: [UInt8] = []
    private var finished = false

    init(head: HTTPRequestHead, body: [UInt8], limit: Int, promise: EventLoopPromise<[UInt8]>, shown: String) {
        self.head = head
        self.body = body
        self.limit = limit
        self.promise = promise
        self.shown = shown
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = head.status
            guard head.status == .ok else { return fail("HTTP \(head.status.code) \(head.status.reasonPhrase)") }
            if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > limit {
                fail("the answer is larger than \(limit) bytes")
            }
        case .body(let part):
            guard received.count + part.readableBytes <= limit else {
                return fail("the answer is larger than \(limit) bytes")
            }
            received.append(contentsOf: part.readableBytesView)
        case .end:
            guard status != nil else { return fail("the connection closed before an answer") }
            finished = true
            promise.succeed(received)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("\(error)")
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail("the connection closed before the whole answer")
        context.fireChannelInactive()
    }

    private func fail(_ message: String) {
        guard !finished else { return }
        finished = true
        promise.fail(OpenNebulaError("\(shown): \(message)"))
    }
}
