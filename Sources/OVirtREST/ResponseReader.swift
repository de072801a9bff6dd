import NIOCore
import NIOHTTP1

/// Sends the request and collects the answer, enforcing the size limit as bytes arrive.
final class ResponseReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    /// An error page matters only for the engine's explanation near its start.
    private static let errorBodyLimit = 4096

    private let head: HTTPRequestHead
    private let limit: Int
    private let promise: EventLoopPromise<[UInt8]>
    private let describe: FailureDescriber
    private var response: HTTPResponseHead?
    private var body: [UInt8] = []
    private var finished = false

    init(head: HTTPRequestHead, limit: Int, promise: EventLoopPromise<[UInt8]>, describe: FailureDescriber) {
        self.head = head
        self.limit = limit
        self.promise = promise
        self.describe = describe
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            response = head
            if (300..<400).contains(head.status.code) {
                fail(describe.status(head, body: []))
            } else if head.status == .ok, let length = head.headers.first(name: "Content-Length").flatMap(Int.init) {
                // Refused before a byte of the body is read, when the engine says how much is coming.
                guard length <= limit else { return fail(describe.tooLarge(limit)) }
                body.reserveCapacity(length)
            }
        case .body(let part):
            if response?.status == .ok {
                guard body.count + part.readableBytes <= limit else { return fail(describe.tooLarge(limit)) }
                body.append(contentsOf: part.readableBytesView)
            } else if body.count < Self.errorBodyLimit {
                body.append(contentsOf: part.readableBytesView.prefix(Self.errorBodyLimit - body.count))
            }
        case .end:
            guard let response else { return fail(describe.closedEarly(answered: false)) }
            finished = true
            if response.status == .ok {
                promise.succeed(body)
            } else {
                promise.fail(describe.status(response, body: body))
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(describe.failure(error))
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(describe.closedEarly(answered: response != nil))
        context.fireChannelInactive()
    }

    private func fail(_ error: OVirtRESTError) {
        guard !finished else { return }
        finished = true
        promise.fail(error)
    }
}
