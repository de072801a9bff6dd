import NIOCore
import NIOHTTP1

/// Decides when a connection ends on the daemon's side: when `IdleStateHandler` reports no
/// traffic for `idle_timeout` and no request on it is being answered (a plugin may take
/// longer than the idle timeout), and when the client has closed its side of the connection
/// (`shutdown(SHUT_WR)` after its last request) and every complete request has been answered.
final class ConnectionCloser: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias InboundOut = NIOHTTPServerRequestFull
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let progress: RequestProgress
    /// The client will send nothing more: close once the last answer is written.
    private var inputClosed = false

    init(progress: RequestProgress) {
        self.progress = progress
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        progress.requestsBeingAnswered += 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        progress.requestsBeingAnswered -= 1
        guard inputClosed, progress.requestsBeingAnswered == 0 else {
            context.write(data, promise: promise)
            return
        }
        // Closed only once the answer is on its way: closing drops writes still queued.
        let written = promise ?? context.eventLoop.makePromise()
        let channel = context.channel
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
        context.write(data, promise: written)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case let idle as IdleStateHandler.IdleStateEvent where idle == .all:
            if progress.requestsBeingAnswered == 0 {
                context.close(promise: nil)
                return
            }
        case ChannelEvent.inputClosed:
            inputClosed = true
            if progress.requestsBeingAnswered == 0 {
                context.close(promise: nil)
                return
            }
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }
}
