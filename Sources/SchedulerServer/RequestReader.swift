import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import Scheduling

/// Gathers each request's head and body into one `NIOHTTPServerRequestFull`, refusing at
/// once what the daemon will not read: a transfer coding other than chunked (501), a body
/// declared or grown past `max_request_bytes` (413, whatever the number: also past 2^63),
/// an expectation other than 100-continue (417), a body that would take the bodies being
/// received past `max_pending_body_bytes` (503), and a body arriving slower than
/// `min_body_rate` (408). `Expect: 100-continue` is answered with 100 Continue.
///
/// Each refusal is the last response on its connection, which is then closed: the rest of
/// the request may still be on its way and cannot be told apart from a next one.
final class RequestReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, body: ByteBuffer, started: NIODeadline)
        /// A refusal was sent; what else arrives before the connection closes is dropped.
        case refused
    }

    private let limits: HTTPServer.Limits
    private let budget: PendingBodyBudget
    private let progress: RequestProgress
    private let logger: Logger
    private var state = State.idle
    /// Bytes of `budget` this connection's body holds.
    private var held = 0
    private var rateCheck: Scheduled<Void>?

    init(limits: HTTPServer.Limits, budget: PendingBodyBudget, progress: RequestProgress, logger: Logger) {
        self.limits = limits
        self.budget = budget
        self.progress = progress
        self.logger = logger
    }

    struct Refusal: Error {
        var status: HTTPResponseStatus
        var reason: String
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            progress.headReceived()
            do throws(Refusal) {
                let expectsContinue = try check(head)
                if expectsContinue {
                    let interim = HTTPResponseHead(version: head.version, status: .continue)
                    // Written from before the response compressor: it pairs each response head it
                    // sees with one request head, and an interim answer is not the request's answer.
                    let writer =
                        (try? context.pipeline.syncOperations.context(handlerType: HTTPResponseCompressor.self))
                        ?? context
                    writer.writeAndFlush(NIOAny(HTTPServerResponsePart.head(interim)), promise: nil)
                }
                state = .receiving(head, body: context.channel.allocator.buffer(capacity: 0), started: .now())
                scheduleRateCheck(context)
            } catch {
                refuse(context, error)
            }
        case (.body(var part), .receiving(let head, var body, let started)):
            let count = part.readableBytes
            guard count <= limits.maxRequestBytes - body.readableBytes else {
                refuse(context, Self.tooLarge(limits, declared: nil))
                return
            }
            guard budget.take(count) else {
                refuse(context, Self.busy(budget))
                return
            }
            held += count
            // Copied out of the read buffer, so that a trickled byte does not pin a whole read
            // buffer; `state` lets go of the body first, so that appending does not copy it.
            state = .idle
            body.writeBuffer(&part)
            state = .receiving(head, body: body, started: started)
        case (.end(let trailers), .receiving(var head, let body, _)):
            releaseBody()
            state = .idle
            progress.requestFinished()
            if let trailers {
                head.headers.remove(name: "trailer")
                head.headers.add(contentsOf: trailers)
            }
            context.fireChannelRead(
                wrapInboundOut(NIOHTTPServerRequestFull(head: head, body: body.readableBytes > 0 ? body : nil)))
        case (_, .refused):
            break
        case (.head, .receiving), (.body, .idle), (.end, .idle):
            // The decoder and the pipelining handler never deliver parts out of order.
            refuse(context, Refusal(status: .badRequest, reason: "request parts arrived out of order"))
        }
    }

    /// Whether the head may be followed by its body; true when the client waits for 100 Continue.
    private func check(_ head: HTTPRequestHead) throws(Refusal) -> Bool {
        let codings = head.headers[canonicalForm: "transfer-encoding"]
        if !codings.isEmpty, codings.map({ $0.lowercased() }) != ["chunked"] {
            let named = head.headers["transfer-encoding"].joined(separator: ", ")
            throw Refusal(
                status: .notImplemented,
                reason: "Transfer-Encoding '\(logText(named))' is not supported: send the body as it is, "
                    + "with a Content-Length or chunked")
        }
        for value in head.headers["content-length"] {
            // The decoder accepts lengths up to 2^64 - 1; Int cannot hold the upper half.
            guard let length = UInt64(value), length <= UInt64(limits.maxRequestBytes)
            else {
                throw Self.tooLarge(limits, declared: value)
            }
            guard Int(length) <= budget.room else { throw Self.busy(budget) }
        }
        let encodings = head.headers[canonicalForm: "content-encoding"].map { $0.lowercased() }
        if !encodings.isEmpty, !(encodings.count == 1 && Self.contentEncodings.contains(String(encodings[0]))) {
            let named = head.headers["content-encoding"].joined(separator: ", ")
            throw Refusal(
                status: .unsupportedMediaType,
                reason: "Content-Encoding '\(logText(named))' is not supported: send the body as it is, "
                    + "or in gzip or deflate")
        }
        guard let expectation = head.headers["expect"].first else { return false }
        guard expectation.lowercased() == "100-continue", head.headers["expect"].count == 1 else {
            throw Refusal(
                status: .expectationFailed,
                reason: "Expect: '\(logText(expectation))' cannot be met; only 100-continue is understood")
        }
        return head.version.major == 1 && head.version.minor >= 1
    }

    /// What `NIOHTTPRequestDecompressor` inflates (gzip, deflate), and no coding at all.
    static let contentEncodings: Set<String> = ["gzip", "deflate", "identity"]

    /// The decompressor's failures, for the body being read: past `max_request_bytes` once
    /// inflated (a decompression bomb is stopped there, not inflated whole), or not what its
    /// Content-Encoding says.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard case .receiving = state else {
            context.fireErrorCaught(error)
            return
        }
        switch error {
        case NIOHTTPDecompression.DecompressionError.limit:
            refuse(
                context,
                Refusal(
                    status: .payloadTooLarge,
                    reason: "the request body, decompressed, is larger than max_request_bytes "
                        + "(\(ByteCount.text(limits.maxRequestBytes)))"))
        case is NIOHTTPDecompression.DecompressionError, is NIOHTTPDecompression.ExtraDecompressionError:
            refuse(
                context,
                Refusal(
                    status: .badRequest,
                    reason: "the request body does not decompress as its Content-Encoding says (\(error))"))
        default:
            context.fireErrorCaught(error)
        }
    }

    private static func tooLarge(_ limits: HTTPServer.Limits, declared: String?) -> Refusal {
        let size = declared.map { "of \(logText($0, limit: 32)) bytes " } ?? ""
        return Refusal(
            status: .payloadTooLarge,
            reason: "the request body \(size)is larger than max_request_bytes "
                + "(\(ByteCount.text(limits.maxRequestBytes)))")
    }

    private static func busy(_ budget: PendingBodyBudget) -> Refusal {
        Refusal(
            status: .serviceUnavailable,
            reason: "the daemon is receiving as many request bodies as max_pending_body_bytes "
                + "(\(ByteCount.text(budget.limit))) allows; try again shortly")
    }

    /// A body must keep up with `min_body_rate` after a first `header_timeout`: by then, `received`
    /// bytes were due `grace + received / rate` after the head.
    private func scheduleRateCheck(_ context: ChannelHandlerContext) {
        guard case .receiving(_, let body, let started) = state else { return }
        let due =
            started + TimeAmount(limits.headerTimeout)
            + .nanoseconds(Int64(Double(body.readableBytes) / Double(limits.minBodyRate) * 1e9))
        rateCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) { [self] in
            guard case .receiving(_, let body, let started) = state else { return }
            let stillDue =
                started + TimeAmount(limits.headerTimeout)
                + .nanoseconds(Int64(Double(body.readableBytes) / Double(limits.minBodyRate) * 1e9))
            if stillDue <= .now() {
                refuse(
                    context,
                    Refusal(
                        status: .requestTimeout,
                        reason: "the request body arrived slower than min_body_rate "
                            + "(\(ByteCount.text(limits.minBodyRate)) bytes a second)"))
            } else {
                scheduleRateCheck(context)
            }
        }
    }

    /// Gives the body's bytes back to the budget and stops watching its rate.
    private func releaseBody() {
        rateCheck?.cancel()
        rateCheck = nil
        budget.giveBack(held)
        held = 0
    }

    private func refuse(_ context: ChannelHandlerContext, _ refusal: Refusal) {
        releaseBody()
        progress.headReceived()
        state = .refused
        HTTPRefusalLog.record(
            refusal.status, client: context.remoteAddress, reason: refusal.reason, logger: logger)
        let text = refusal.reason + "\n"
        let headers = HTTPHeaders([
            ("Connection", "close"), ("Content-Type", "text/plain; charset=utf-8"),
            ("Content-Length", String(text.utf8.count)),
        ])
        context.write(
            wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: refusal.status, headers: headers))),
            promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: text)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Whatever the decoder still delivers from the last bytes read is dropped.
    func channelInactive(context: ChannelHandlerContext) {
        releaseBody()
        state = .refused
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        releaseBody()
        state = .refused
    }
}
