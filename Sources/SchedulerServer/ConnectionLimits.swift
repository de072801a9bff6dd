import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The connections being served: counted against `max_connections` as they are
/// accepted, and quiesced at shutdown.
final class OpenConnections: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Connections refused since the count last reached the limit; 0 outside such a burst.
        var refusedInBurst = 0
    }

    enum Admission {
        case admitted
        case refused(firstOfBurst: Bool)
    }

    let limit: Int
    private let state = NIOLockedValueBox(State())

    init(limit: Int) {
        self.limit = limit
    }

    var all: [any Channel] { state.withLockedValue { Array($0.channels.values) } }

    func admit(_ channel: any Channel) -> Admission {
        state.withLockedValue { state in
            guard state.channels.count >= limit else {
                state.channels[ObjectIdentifier(channel)] = channel
                return .admitted
            }
            state.refusedInBurst += 1
            return .refused(firstOfBurst: state.refusedInBurst == 1)
        }
    }

    /// Forgets a closed connection. Returns how many were refused in the burst
    /// this ends: a burst ends only once a tenth of the slots are free again, so
    /// clients hammering at the limit do not make one log line per connection.
    func remove(_ channel: any Channel) -> Int? {
        state.withLockedValue { state in
            state.channels.removeValue(forKey: ObjectIdentifier(channel))
            guard state.refusedInBurst > 0, state.channels.count <= limit - max(1, limit / 10) else { return nil }
            defer { state.refusedInBurst = 0 }
            return state.refusedInBurst
        }
    }
}

/// On the listening socket: closes connections beyond `max_connections` before
/// any handler or buffer is set up for them.
final class ConnectionLimiter: ChannelInboundHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel

    private let connections: OpenConnections
    private let logger: Logger

    init(connections: OpenConnections, logger: Logger) {
        self.connections = connections
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let connection = unwrapInboundIn(data)
        acceptIsFailing = false
        switch connections.admit(connection) {
        case .admitted:
            let connections = self.connections
            let logger = self.logger
            connection.closeFuture.whenComplete { _ in
                if let refused = connections.remove(connection) {
                    logger.notice(
                        "accepting connections again; refused \(refused) while max_connections (\(connections.limit)) were open"
                    )
                }
            }
            context.fireChannelRead(data)
        case .refused(let firstOfBurst):
            if firstOfBurst {
                logger.warning(
                    "max_connections (\(connections.limit)) are open: closing new connections until some finish")
            }
            connection.close(promise: nil)
        }
    }

    /// Accepting fails when the process runs out of file descriptors, and the
    /// listening socket then reports it on every wakeup: say so once per spell.
    private var acceptIsFailing = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !acceptIsFailing {
            acceptIsFailing = true
            logger.error(
                "cannot accept connections: \(String(describing: error)) (is max_connections above the open file limit?)"
            )
        }
        context.fireErrorCaught(error)
    }
}

/// Answers a request the HTTP decoder could not parse, then lets the decoder
/// close the connection: 431 when the request line and headers exceed
/// `max_header_bytes`, 400 otherwise. Also marks the 413 for a body over
/// `max_request_bytes` as the last response on its connection.
final class HTTPProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// A response already under way cannot be interrupted by another one.
    private var responseInProgress = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? HTTPParserError, !responseInProgress {
            let status: HTTPResponseStatus = error == .headerOverflow ? .requestHeaderFieldsTooLarge : .badRequest
            let text = status == .badRequest ? "malformed HTTP request\n" : "request headers are too large\n"
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
        case .head(var head) where head.status == .payloadTooLarge:
            // The request aggregator's answer to a body over the limit; the
            // connection is closed after it, so the client is told.
            responseInProgress = true
            head.headers.replaceOrAdd(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(head)), promise: promise)
            return
        case .head(let head) where head.status.code >= 200:
            responseInProgress = true
        case .end:
            responseInProgress = false
        case .head, .body:
            break
        }
        context.write(data, promise: promise)
    }
}

/// Closes the connection when `IdleStateHandler` reports no traffic for
/// `idle_timeout`, unless a request on it is still being answered: a plugin
/// may legitimately take longer than the idle timeout.
final class IdleConnectionCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias InboundOut = NIOHTTPServerRequestFull
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var requestsBeingAnswered = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        requestsBeingAnswered += 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            requestsBeingAnswered -= 1
        }
        context.write(data, promise: promise)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .all, requestsBeingAnswered == 0 {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
