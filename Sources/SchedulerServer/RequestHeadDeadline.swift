import Deadlines
import Logging
import NIOCore

/// Where a connection is in its current request, shared by the handlers that enforce the
/// request deadlines. Used only on the connection's event loop.
final class RequestProgress {
    enum Phase {
        /// No byte of the next request has arrived: `idle_timeout` governs.
        case betweenRequests
        /// The request line and headers are arriving: `header_timeout` governs.
        case head
        /// The head is complete and the body is arriving: `min_body_rate` governs.
        case body
    }

    var phase = Phase.betweenRequests
    /// Requests read in full whose answers are not written yet.
    var requestsBeingAnswered = 0
    /// The head deadline of the request now arriving.
    var headDeadline: Scheduled<Void>?

    /// The head is complete (or the request was refused): its deadline no longer applies.
    func headReceived() {
        headDeadline?.cancel()
        headDeadline = nil
        phase = .body
    }

    func requestFinished() {
        phase = .betweenRequests
    }
}

/// Sees the raw bytes of each request before the HTTP decoder does, and gives the request
/// line and headers `header_timeout` from the request's first byte. A client that sends its
/// headers a byte at a time keeps the connection moving, so `idle_timeout` alone never stops it.
///
/// Over TLS the first deadline starts when the connection opens: the handshake and the
/// first head share it, so a handshake sent a byte at a time is cut off too.
///
/// The deadline is not enforced while an earlier request on the connection is being answered
/// (the pipelining handler holds a following request back until then); it starts over when
/// that answer is written.
final class RequestHeadDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private let progress: RequestProgress
    private let includesHandshake: Bool
    private let logger: Logger
    /// Armed when the connection opened, and no decrypted byte has arrived since: the TLS
    /// handshake is what is late, and a response could not be sent before it completes.
    private var waitingForHandshake = false

    init(timeout: Duration, progress: RequestProgress, includesHandshake: Bool, logger: Logger) {
        self.logger = logger
        self.timeout = TimeAmount(timeout)
        self.progress = progress
        self.includesHandshake = includesHandshake
    }

    func channelActive(context: ChannelHandlerContext) {
        if includesHandshake, progress.phase == .betweenRequests {
            progress.phase = .head
            waitingForHandshake = true
            arm(context)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        waitingForHandshake = false
        if progress.phase == .betweenRequests {
            progress.phase = .head
            arm(context)
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext) {
        progress.headDeadline?.cancel()
        progress.headDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            expire(context)
        }
    }

    private func expire(_ context: ChannelHandlerContext) {
        guard progress.phase == .head, context.channel.isActive else { return }
        guard progress.requestsBeingAnswered == 0 else {
            arm(context)
            return
        }
        let seconds = Duration(timeout).secondsDescription
        let client = context.remoteAddress?.description ?? "a client"
        guard !waitingForHandshake else {
            logger.debug("closing the connection from \(client): no TLS handshake within header_timeout (\(seconds))")
            context.close(promise: nil)
            return
        }
        let reason = "the request line and headers did not arrive within header_timeout (\(seconds))"
        HTTPRefusalLog.record(
            .requestTimeout, client: context.remoteAddress, reason: reason, logger: logger)
        // Below the HTTP encoder: no response is under way, and the connection is closed after this one.
        let text = reason + "\n"
        let response =
            "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: \(text.utf8.count)\r\n\r\n\(text)"
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: response))).whenComplete {
            _ in channel.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        progress.headDeadline?.cancel()
        progress.headDeadline = nil
        context.fireChannelInactive()
    }
}
