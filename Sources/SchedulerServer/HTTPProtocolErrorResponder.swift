import Logging
import NIOCore
import NIOHTTP1

/// Answers a request the HTTP decoder could not parse, then lets the decoder
/// close the connection: 431 when the request line and headers exceed
/// `max_header_bytes`, 400 otherwise. Nothing is answered once a response that
/// closes the connection has been sent (a request refused by `RequestReader`, whose
/// rest the decoder may still find malformed).
final class HTTPProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A response already under way cannot be interrupted by another one.
    private var responseInProgress = false
    /// A response saying `Connection: close` was sent: it is the last one.
    private var lastResponseSent = false
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError, !responseInProgress, !lastResponseSent {
            let status: HTTPResponseStatus = error == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            let text = status == .badRequest ? "malformed HTTP request\n" : "request headers are too large\n"
            HTTPRefusalLog.record(
                status, client: context.remoteAddress,
                reason: status == .badRequest
                    ? "malformed HTTP request (\(error))" : XMLRPCRequestHandler.reason(error), logger: logger)
            let headers = HTTPHeaders([
                ("Connection", "close"), ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", String(text.utf8.count)),
            ])
            context.write(
                wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                promise: nil)
            context.write(
                wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.fireErrorCaught(error)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            responseInProgress = true
            lastResponseSent = lastResponseSent || !head.isKeepAlive
        case .end:
            responseInProgress = false
        case .head, .body:
            break
        }
        context.write(data, promise: promise)
    }
}
