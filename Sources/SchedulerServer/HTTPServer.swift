import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import NIOPosix
import NIOSSL
import Scheduling
import ServiceLifecycle

/// XML-RPC over HTTP/1.1 (keep-alive, pipelining), or over HTTPS, on SwiftNIO.
///
/// The event loops only move bytes; each request is answered by a Swift task,
/// and plugin calls go on to the Python call pool, so a slow plugin never
/// holds up other connections.
///
/// A ServiceLifecycle service. At graceful shutdown it stops accepting and lets every open
/// connection finish the request it is on; when the group cancels it (the shutdown grace
/// period is over), the service that owns the plugin calls stops those still running, and
/// the server gives their requests a moment to be answered before closing what is left.
public final class HTTPServer: Service, Sendable {
    /// What one client may cost the daemon. The defaults are far above what the
    /// engine sends and far below what would hurt the machine.
    public struct Limits: Sendable, Equatable {
        /// Larger bodies are answered 413 before they are buffered, and the connection is closed.
        public var maxRequestBytes = 32 << 20
        /// The request line and header fields together; more is answered 431 and the connection closed.
        public var maxHeaderBytes = 64 << 10
        /// A connection that is not waiting for an answer and has moved no bytes for this long is
        /// closed: an idle keep-alive connection, a stalled TLS handshake or a half-sent request.
        public var idleTimeout: Duration = .seconds(60)
        /// Connections beyond this many are closed as soon as they are accepted.
        public var maxConnections = 1024
        /// The request line and headers must arrive within this much time of the request's first
        /// byte (a slow client keeps the connection moving, so `idleTimeout` alone never stops it);
        /// it is also the time a body gets before `minBodyRate` applies.
        public var headerTimeout: Duration = .seconds(20)
        /// Bytes a second a request body must arrive at, on average, after `headerTimeout`.
        public var minBodyRate = 64 << 10
        /// Bytes of request bodies still being received, on every connection together; a body that
        /// would take them past this is answered 503.
        public var maxPendingBodyBytes = 256 << 20
        public init() {}
    }

    private let listening: ListeningSocket
    private let limits: Limits
    private let tls: ServerTLS?
    private let service: SchedulerMethods
    private let endpoints: [any HTTPEndpoint]
    /// False for a listener of its own for the endpoints (`metrics_port`): no XML-RPC there.
    private let servesXMLRPC: Bool
    private let logger: Logger
    private let group: any EventLoopGroup
    private let boundAddress = NIOLockedValueBox<SocketAddress?>(nil)
    private let connections: OpenConnections
    private let pendingBodies: PendingBodyBudget

    /// - Parameter listening: bound with `ListeningSocket.bind` before the plugins load.
    /// - Parameter endpoints: the paths answered besides XML-RPC, asked in order.
    /// - Parameter servesXMLRPC: false for a listener that answers only `endpoints`.
    public init(
        listening: ListeningSocket, limits: Limits = .init(), tls: ServerTLS? = nil, service: SchedulerMethods,
        endpoints: [any HTTPEndpoint] = [], servesXMLRPC: Bool = true, logger: Logger
    ) {
        self.servesXMLRPC = servesXMLRPC
        self.listening = listening
        self.limits = limits
        self.tls = tls
        self.service = service
        self.endpoints = endpoints
        self.logger = logger
        connections = OpenConnections(limit: limits.maxConnections)
        pendingBodies = PendingBodyBudget(limit: limits.maxPendingBodyBytes)
        group = MultiThreadedEventLoopGroup.singleton
    }

    /// The address actually bound (useful with port 0).
    public var localAddress: SocketAddress? { boundAddress.withLockedValue { $0 } }

    /// Whether any connection is open; at shutdown, whether requests are still being answered.
    public var hasOpenConnections: Bool { !connections.isEmpty }

    public func run() async throws {
        let channel = try await bind()
        boundAddress.withLockedValue { $0 = channel.localAddress }
        let address = channel.localAddress ?? listening.address
        let shown = "\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        if !servesXMLRPC {
            let paths = endpoints.isEmpty ? "" : " (metrics and health)"
            logger.notice("serving\(paths) on \(tls == nil ? "http" : "https")://\(shown)")
        } else if let tls {
            let clients = tls.requiresClientCertificate ? "; client certificates required" : ""
            logger.notice("listening on https://\(shown)\(clients)")
        } else {
            logger.notice("listening on http://\(shown)")
        }
        if servesXMLRPC { SystemdReadiness.ready(status: "listening on \(shown)") }
        let group = self.group
        let watchdog = (servesXMLRPC ? SystemdWatchdog.interval : nil).map { interval in
            Task { await SystemdWatchdog.feed(group, every: interval) }
        }
        defer { watchdog?.cancel() }
        // Cancellation before this service's turn to shut down (a grace period already over,
        // or another service failed) ends serving all the same.
        try? await gracefulShutdown()
        if servesXMLRPC { SystemdReadiness.stopping() }
        logger.info("shutting down: no new connections; finishing requests in flight")
        try? await channel.close()
        await quiesce()
    }

    private func bind() async throws -> any Channel {
        let service = self.service
        let endpoints = self.endpoints
        let limits = self.limits
        let sslContext = tls?.context
        let logger = self.logger
        let connections = self.connections
        let pendingBodies = self.pendingBodies
        let listening = self.listening
        let servesXMLRPC = self.servesXMLRPC
        if servesXMLRPC {
            ForkedChildSockets.protect(listening: listening.descriptor, port: listening.address.port ?? 0)
        }
        let decoderLimits = {
            var decoderLimits = NIOHTTPDecoderLimitConfiguration()
            decoderLimits.maxHeaderFieldSize = limits.maxHeaderBytes
            decoderLimits.maxHeaderListSize = limits.maxHeaderBytes
            return decoderLimits
        }()
        return try await ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Taking the socket over, NIO listens with its own default backlog; keep ours.
                    _ = try channel.pipeline.syncOperations.withUnsafeTransportIfAvailable(
                        of: NIOBSDSocket.Handle.self
                    ) { listen($0, ListeningSocket.backlog) }
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionLimiter(connections: connections, logger: logger))
                }
            }
            // A TCP-level option: `.socketOption(.tcp_nodelay)` would set SOL_SOCKET's option
            // of the same number, SO_DEBUG, which only root may set, so every connection of
            // an unprivileged daemon was closed at once.
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client that sends its last request and then shuts down its side still gets the answers.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    _ = try pipeline.withUnsafeTransportIfAvailable(of: NIOBSDSocket.Handle.self) {
                        ForkedChildSockets.remember($0)
                    }
                    let progress = RequestProgress()
                    // First, so that it sees TLS handshake bytes as well as HTTP.
                    try pipeline.addHandler(IdleStateHandler(allTimeout: TimeAmount(limits.idleTimeout)))
                    if let sslContext {
                        try pipeline.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    // Before the HTTP decoder, which says nothing until a head is complete.
                    try pipeline.addHandler(
                        RequestHeadDeadline(
                            timeout: limits.headerTimeout, progress: progress, includesHandshake: sslContext != nil,
                            logger: logger))
                    try pipeline.configureHTTPServerPipeline(
                        withPipeliningAssistance: true, withErrorHandling: false,
                        withEncoderConfiguration: .init(), withDecoderLimitConfiguration: decoderLimits)
                    try pipeline.addHandlers([
                        HTTPProtocolErrorResponder(logger: logger),
                        // After the error responder, whose answers to heads that never arrived must
                        // not reach the compressor (it pairs each answer with a request head).
                        HTTPResponseCompressor(responseCompressionPredicate: Self.compressesLargeAnswers),
                        // Inflated with max_request_bytes as the bound, so a bomb is stopped there.
                        NIOHTTPRequestDecompressor(limit: .size(limits.maxRequestBytes)),
                        RequestReader(limits: limits, budget: pendingBodies, progress: progress, logger: logger),
                        ConnectionCloser(progress: progress),
                        XMLRPCRequestHandler(
                            service: service, endpoints: endpoints, servesXMLRPC: servesXMLRPC, logger: logger),
                    ])
                }
            }
            .withBoundSocket(listening.descriptor)
            .get()
    }

    /// Answers smaller than this go out as they are: compressing them costs more than it saves.
    static let compressionThreshold = 1024

    /// XML-RPC answers of `compressionThreshold` bytes or more, to clients that accept gzip
    /// or deflate; never the plain-text refusals.
    static func compressesLargeAnswers(_ head: inout HTTPResponseHead, _ supported: Bool)
        -> HTTPResponseCompressor.CompressionIntent
    {
        guard supported, head.headers["content-type"].first == "text/xml",
            let length = head.headers["content-length"].first.flatMap(Int.init), length >= compressionThreshold
        else { return .doNotCompress }
        return .compressIfPossible
    }

    /// How long the requests still in flight when the grace period is over get to be answered
    /// with their stopped plugin calls left out.
    static let answerStoppedCallsWithin = TimeAmount.seconds(2)

    /// Lets every open connection finish its current request, then close; waits on their close
    /// futures until they have all closed or the group cancels this task.
    private func quiesce() async {
        // The listening socket is closed: no connection joins these.
        let open = connections.all
        guard !open.isEmpty else { return }
        for channel in open {
            channel.eventLoop.execute {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        }
        let allClosed = EventLoopFuture.andAllComplete(open.map(\.closeFuture), on: group.any())
        guard await !allClosed.completedUnlessCancelled() else { return }
        if await !allClosed.completed(within: Self.answerStoppedCallsWithin) {
            for channel in connections.all {
                try? await channel.close()
            }
        }
    }
}

/// Answers full HTTP requests: XML-RPC at `POST /` and `POST /RPC2`, anything else through
/// the first endpoint that serves its path.
final class XMLRPCRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    private let service: SchedulerMethods
    private let endpoints: [any HTTPEndpoint]
    private let servesXMLRPC: Bool
    private let logger: Logger

    init(service: SchedulerMethods, endpoints: [any HTTPEndpoint] = [], servesXMLRPC: Bool = true, logger: Logger) {
        self.service = service
        self.endpoints = endpoints
        self.servesXMLRPC = servesXMLRPC
        self.logger = logger
    }

    private var closing = false

    /// Whatever went wrong (a refused handshake, a reset, a body over the limit
    /// after its 413), the connection cannot be trusted to carry another request.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Closing makes the decoders report the cut-off stream too; the first error is the reason.
        guard !closing else { return }
        closing = true
        // Most HTTPS clients hang up without a TLS close_notify; with HTTP's own
        // framing that loses nothing, so it is not worth a line.
        if error as? NIOSSLError != .uncleanShutdown {
            logger.debug(
                "closing the connection from \(context.remoteAddress?.description ?? "a client"): \(logText(Self.reason(error)))"
            )
        }
        context.close(promise: nil)
    }

    static func reason(_ error: any Error) -> String {
        switch error {
        case let error as HTTPParserError where error == .headerOverflow:
            "the request line and headers are larger than max_header_bytes"
        default:
            String(describing: error)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        let keepAlive = request.head.isKeepAlive
        let target = request.head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = target.first.map(String.init) ?? "/"
        let isXMLRPC = servesXMLRPC && (path == "/" || path == "/RPC2") && request.head.method == .POST
        if !isXMLRPC, let endpoint = endpoints.first(where: { $0.serves(path: path) }) {
            answer(
                context, endpoint: endpoint,
                EndpointRequest(
                    method: request.head.method, path: path, query: target.count > 1 ? String(target[1]) : "",
                    headers: request.head.headers, body: request.body ?? ByteBuffer()), keepAlive: keepAlive)
            return
        }
        guard servesXMLRPC, path == "/" || path == "/RPC2" else {
            let text = servesXMLRPC ? "XML-RPC is served at /" : "this port serves /metrics, /healthz and /readyz"
            refuse(context, status: .notFound, reason: "no such path: \(logText(path, limit: 128))")
            respond(context, status: .notFound, text: text + "\n", keepAlive: keepAlive)
            return
        }
        guard request.head.method == .POST else {
            refuse(
                context, status: .methodNotAllowed,
                reason: "XML-RPC wants POST, got \(logText(request.head.method.rawValue, limit: 32))")
            respond(
                context, status: .methodNotAllowed, text: "XML-RPC requests are POSTed to /\n", keepAlive: keepAlive,
                extraHeaders: [("Allow", "POST")])
            return
        }
        // The codec reads the bytes where NIO put them: no copy of the body.
        let body = (request.body ?? ByteBuffer()).readableBytesView
        let methods = self.service
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        let answer: @Sendable ([UInt8]) -> Void = { response in
            let (handler, context) = bound.value
            handler.respondXML(context, response, keepAlive: keepAlive)
        }
        guard body.count <= SchedulerMethods.inlineDecodeBytes else {
            // A large body is decoded on a request thread, and its answer may take long to
            // build and encode: none of that on the event loop.
            Task {
                let response = await methods.respond(to: body)
                eventLoop.execute { answer(response) }
            }
            return
        }
        // A small request starts here, on the event loop: it is decoded and its units planned
        // without a hand-off; its Python calls go to the call pool in one batch, and the rest
        // (combining the answers, encoding, writing) comes back to this event loop. Two
        // hand-offs in all, instead of four through Swift's cooperative pool.
        Task.immediate(executorPreference: EventLoopTaskExecutor(eventLoop)) {
            let response = await methods.respond(to: body)
            // Written in a task of its own even on the event loop: a request answered without
            // a suspension must not write its answer from inside the read that brought it.
            eventLoop.execute { answer(response) }
        }
    }

    private func answer(
        _ context: ChannelHandlerContext, endpoint: any HTTPEndpoint, _ request: EndpointRequest, keepAlive: Bool
    ) {
        guard endpoint.methods.contains(request.method) else {
            let allowed = endpoint.methods.map(\.rawValue).joined(separator: ", ")
            refuse(
                context, status: .methodNotAllowed,
                reason: "\(request.path) answers \(allowed), got \(logText(request.method.rawValue, limit: 32))")
            respond(
                context, status: .methodNotAllowed, text: "\(request.path) answers \(allowed)\n", keepAlive: keepAlive,
                extraHeaders: [("Allow", allowed)])
            return
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        Task {
            let answer = await endpoint.answer(request)
            eventLoop.execute {
                let (handler, context) = bound.value
                var headers = HTTPHeaders(answer.headers)
                headers.add(name: "Content-Type", value: answer.contentType)
                headers.add(name: "Content-Length", value: String(answer.body.count))
                if !keepAlive { headers.add(name: "Connection", value: "close") }
                var buffer = context.channel.allocator.buffer(capacity: answer.body.count)
                buffer.writeBytes(answer.body)
                handler.write(context, status: answer.status, headers: headers, body: buffer, keepAlive: keepAlive)
            }
        }
    }

    private func refuse(_ context: ChannelHandlerContext, status: HTTPResponseStatus, reason: String) {
        HTTPRefusalLog.record(status, client: context.remoteAddress, reason: reason, logger: logger)
    }

    private func respondXML(_ context: ChannelHandlerContext, _ body: [UInt8], keepAlive: Bool) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/xml")
        headers.add(name: "Content-Length", value: String(body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        write(context, status: .ok, headers: headers, body: buffer, keepAlive: keepAlive)
    }

    private func respond(
        _ context: ChannelHandlerContext, status: HTTPResponseStatus, text: String, keepAlive: Bool,
        extraHeaders: [(String, String)] = []
    ) {
        var headers = HTTPHeaders(extraHeaders)
        headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: String(text.utf8.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        write(
            context, status: status, headers: headers, body: context.channel.allocator.buffer(string: text),
            keepAlive: keepAlive)
    }

    private func write(
        _ context: ChannelHandlerContext, status: HTTPResponseStatus, headers: HTTPHeaders, body: ByteBuffer,
        keepAlive: Bool
    ) {
        let head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        let done = context.writeAndFlushPromise()
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushPromise() -> EventLoopPromise<Void> { eventLoop.makePromise() }
}
