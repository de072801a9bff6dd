import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Fetches hosts and VMs from the oVirt engine's REST API by id.
///
/// Each request gets its own connection (`Connection: close`): the daemon fetches in bursts
/// separated by its inventory TTL, longer than the engine's web server keeps idle connections,
/// so a pool would mostly hold dead sockets and need retry logic to get past them.
public final class OVirtRESTClient: Sendable {
    private let settings: OVirtRESTSettings
    private let engine: EngineAddress
    private let authorization: String
    private let tlsContext: NIOSSLContext?
    private let group: any EventLoopGroup
    private let state = Mutex(State())

    private struct State {
        var isShutDown = false
        var nextRequestID = 0
        /// Failing these is how `shutdown()` ends requests in flight; each closes its connection.
        var inFlight: [Int: EventLoopPromise<[UInt8]>] = [:]
    }

    /// Checks every setting and reads the CA file now, so that a wrong configuration stops
    /// the daemon at start-up rather than at the first scheduling request.
    public init(
        settings: OVirtRESTSettings, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws(OVirtRESTError) {
        func invalid(_ message: String) -> OVirtRESTError { OVirtRESTError(.configuration, message) }
        engine = try EngineAddress(parsing: settings.url)
        guard !settings.user.isEmpty else { throw invalid("ovirt_user is empty") }
        // RFC 7617: basic authentication splits user from password at the first colon.
        guard !settings.user.contains(":") else { throw invalid("ovirt_user must not contain ':'") }
        guard settings.requestTimeout > .zero else { throw invalid("the oVirt request timeout must be positive") }
        guard settings.batchSize > 0 else { throw invalid("the oVirt batch size must be at least 1") }
        guard settings.maxResponseBytes > 0 else { throw invalid("the oVirt response limit must be positive") }
        guard settings.maxConcurrentRequests > 0 else {
            throw invalid("the number of concurrent oVirt requests must be at least 1")
        }
        self.settings = settings
        self.group = eventLoopGroup
        authorization = "Basic " + Data("\(settings.user):\(settings.password)".utf8).base64EncodedString()

        var trustRoots = NIOSSLTrustRoots.default
        if let caFile = settings.caFile {
            guard FileManager.default.fileExists(atPath: caFile) else {
                throw invalid("ovirt_ca_file \(caFile) does not exist")
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw invalid("ovirt_ca_file \(caFile) is not a readable PEM certificate bundle")
            }
            guard !certificates.isEmpty else { throw invalid("ovirt_ca_file \(caFile) holds no PEM certificate") }
            trustRoots = .certificates(certificates)
        }
        if engine.usesTLS {
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.trustRoots = trustRoots
            do {
                tlsContext = try NIOSSLContext(configuration: configuration)
            } catch {
                throw OVirtRESTError(.tls, "TLS: cannot set up the client context: \(error)")
            }
        } else {
            tlsContext = nil
        }
    }

    /// One `<hosts>` or `<vms>` document per batch of at most `batchSize` ids, in batch order.
    ///
    /// Ids the engine does not know are simply absent from the documents, as the engine
    /// answers a search; repeated ids are asked for once. The first failing batch fails the
    /// whole fetch and cancels the others: a partial inventory would make the scheduler
    /// treat the missing hosts as gone.
    public func fetch(_ collection: OVirtCollection, ids: [String]) async throws(OVirtRESTError) -> [[UInt8]] {
        var seen = Set<String>()
        let unique = ids.filter { seen.insert($0).inserted }
        // Whitespace would split the id into several search terms (`id=a or id=b` is a valid id
        // otherwise), so such an id cannot be asked for, and no engine id contains it.
        let unsearchable = { (id: String) in
            id.isEmpty
                || id.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F }
        }
        if let bad = unique.first(where: unsearchable) {
            throw OVirtRESTError(
                .invalidID,
                "cannot search the engine's \(collection.rawValue) for id '\(bad)': empty or has spaces or control characters"
            )
        }
        let requests = stride(from: 0, to: unique.count, by: settings.batchSize).map { start in
            let batch = Array(unique[start..<min(start + settings.batchSize, unique.count)])
            return SearchRequest(engine: engine, collection: collection, ids: batch)
        }
        let width = settings.maxConcurrentRequests
        let outcome = await withTaskGroup(of: (Int, Result<[UInt8], OVirtRESTError>).self) { group in
            var documents = [[UInt8]](repeating: [], count: requests.count)
            var next = 0
            func startNext() {
                let index = next
                next += 1
                group.addTask {
                    do throws(OVirtRESTError) {
                        return (index, .success(try await self.get(requests[index])))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(width, requests.count) { startNext() }
            while let (index, result) = await group.next() {
                switch result {
                case .success(let document):
                    documents[index] = document
                    if next < requests.count { startNext() }
                case .failure(let error):
                    group.cancelAll()
                    return Result<[[UInt8]], OVirtRESTError>.failure(error)
                }
            }
            return .success(documents)
        }
        return try outcome.get()
    }

    /// Ends requests in flight (their fetches fail as cancelled) and refuses new ones, so
    /// that the daemon's shutdown does not wait out a slow engine.
    public func shutdown() async {
        let pending = state.withLock { state in
            state.isShutDown = true
            return Array(state.inFlight.values)
        }
        for promise in pending {
            promise.fail(OVirtRESTError(.cancelled, "the oVirt REST client shut down"))
        }
    }

    /// One GET on a fresh connection; the promise is the single place every outcome lands:
    /// the answer, the timer, cancellation, shutdown, and connection or TLS failures.
    private func get(_ request: SearchRequest) async throws(OVirtRESTError) -> [UInt8] {
        guard !Task.isCancelled else { throw OVirtRESTError(.cancelled, "GET \(request.shown): cancelled") }
        let eventLoop = group.next()
        // Made under the lock: NIO traps on a promise dropped uncompleted, as a refused one would be.
        let registered: (Int, EventLoopPromise<[UInt8]>)? = state.withLock { state in
            guard !state.isShutDown else { return nil }
            defer { state.nextRequestID += 1 }
            let promise = eventLoop.makePromise(of: [UInt8].self)
            state.inFlight[state.nextRequestID] = promise
            return (state.nextRequestID, promise)
        }
        guard let (requestID, promise) = registered else {
            throw OVirtRESTError(.cancelled, "GET \(request.shown): the oVirt REST client is shut down")
        }
        defer { _ = state.withLock { $0.inFlight.removeValue(forKey: requestID) } }

        let timeout = settings.requestTimeout
        let timer = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(OVirtRESTError(.timeout, "GET \(request.shown): no answer within \(spoken(timeout))"))
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        connect(request, promise: promise, on: eventLoop)

        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(OVirtRESTError(.cancelled, "GET \(request.shown): cancelled"))
            }
        } catch let error as OVirtRESTError {
            throw error
        } catch {
            throw OVirtRESTError(.protocolViolation, "GET \(request.shown): \(error)")
        }
    }

    private func connect(_ request: SearchRequest, promise: EventLoopPromise<[UInt8]>, on eventLoop: any EventLoop) {
        let engine = self.engine
        let tlsContext = self.tlsContext
        let limit = settings.maxResponseBytes
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: engine.authority)
        headers.add(name: "Authorization", value: authorization)
        headers.add(name: "Accept", value: "application/xml")
        // API v4 engines answer v4 documents with it; v3 engines ignore the header.
        headers.add(name: "Version", value: "4")
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: request.target, headers: headers)
        let describe = FailureDescriber(request: request, engine: engine, caFile: settings.caFile)

        ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(settings.requestTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                // Whatever ends the request (answer, timer, shutdown) also closes its connection.
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                return channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        let serverHostname = engine.hostIsIPAddress ? nil : engine.host
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                }
            }
            .connect(host: engine.host, port: engine.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    // Added only to the connection that won happy eyeballs: the losers are
                    // closed by NIO, and their closing must not fail this request.
                    do {
                        try channel.pipeline.syncOperations.addHandler(
                            ResponseReader(head: head, limit: limit, promise: promise, describe: describe))
                    } catch {
                        promise.fail(describe.failure(error))
                    }
                case .failure(let error):
                    promise.fail(describe.connectFailure(error))
                }
            }
    }
}

/// Sends the request and collects the answer, enforcing the size limit as bytes arrive.
private final class ResponseReader: ChannelInboundHandler, RemovableChannelHandler {
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

/// Turns what went wrong into a sentence naming the request and, where one is likely, the
/// setting to check: the reader of these messages is an operator, not a NIO developer.
private struct FailureDescriber: Sendable {
    var request: SearchRequest
    var engine: EngineAddress
    var caFile: String?

    private var prefix: String { "GET \(request.shown)" }

    func status(_ response: HTTPResponseHead, body: [UInt8]) -> OVirtRESTError {
        let code = response.status.code
        var message = "\(prefix): HTTP \(code) \(response.status.reasonPhrase)"
        switch code {
        case 300..<400:
            let location = response.headers.first(name: "Location") ?? "nowhere"
            message += ", redirected to \(location) (redirects are not followed: set ovirt_url to the final address)"
        case 401:
            message += " (check ovirt_user and ovirt_password_file)"
        case 403:
            message += " (ovirt_user may not read the engine's \(request.collection.rawValue))"
        case 404:
            message += " (check ovirt_url: it should be the API root, e.g. https://engine.example/ovirt-engine/api)"
        default:
            if let detail = Self.faultDetail(body) { message += ": \(detail)" }
        }
        return OVirtRESTError(.httpStatus(Int(code)), message)
    }

    func tooLarge(_ limit: Int) -> OVirtRESTError {
        OVirtRESTError(.responseTooLarge, "\(prefix): response larger than \(spokenBytes(limit))")
    }

    func closedEarly(answered: Bool) -> OVirtRESTError {
        var what = answered ? "before the response was complete" : "without answering"
        // What a TLS server does with a plain-text request, so the likeliest cause.
        if !answered && !engine.usesTLS { what += " (does \(engine.endpoint) expect https?)" }
        return OVirtRESTError(.protocolViolation, "\(prefix): the engine closed the connection \(what)")
    }

    func connectFailure(_ error: any Error) -> OVirtRESTError {
        let target = "\(prefix): cannot connect to \(engine.endpoint)"
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return connectFailure(first.error) }
            return OVirtRESTError(.connection, "\(target): host name not found")
        case let error as IOError:
            return OVirtRESTError(.connection, "\(target): \(errnoText(error.errnoCode))")
        case ChannelError.connectTimeout(let amount):
            let seconds = Duration.nanoseconds(amount.nanoseconds)
            return OVirtRESTError(.timeout, "\(target): no answer within \(spoken(seconds))")
        case is NIOSSLError, is NIOSSLExtraError:
            return failure(error)
        default:
            return OVirtRESTError(.connection, "\(target): \(error)")
        }
    }

    func failure(_ error: any Error) -> OVirtRESTError {
        switch error {
        case let error as OVirtRESTError:
            return error
        case NIOSSLError.handshakeFailed(let cause):
            let reason = Self.boringSSLReason(cause)
            if reason == "certificate verify failed" {
                let hint =
                    caFile.map { "is \($0) the CA that signed the engine's certificate?" }
                    ?? "set ovirt_ca_file to the engine's CA, /etc/pki/ovirt-engine/ca.pem on the engine"
                return OVirtRESTError(.tls, "\(prefix): TLS: certificate verify failed (check ovirt_ca_file: \(hint))")
            }
            // What BoringSSL reports when the port answers in plain HTTP.
            let hint = reason == "wrong version number" ? " (does \(engine.endpoint) speak https?)" : ""
            return OVirtRESTError(.tls, "\(prefix): TLS: handshake failed: \(reason)\(hint)")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return OVirtRESTError(
                .tls,
                "\(prefix): TLS: the engine's certificate is not for \(engine.host) "
                    + "(check the host name in ovirt_url against the certificate)")
        case let error as NIOSSLError:
            return OVirtRESTError(.tls, "\(prefix): TLS: \(error)")
        case let error as NIOSSLExtraError:
            return OVirtRESTError(.tls, "\(prefix): TLS: \(error)")
        case let error as HTTPParserError:
            let hint = engine.usesTLS ? "" : " (does \(engine.endpoint) expect https?)"
            return OVirtRESTError(.protocolViolation, "\(prefix): the answer is not valid HTTP: \(error)\(hint)")
        case let error as IOError:
            return OVirtRESTError(
                .connection, "\(prefix): connection to \(engine.endpoint) failed: \(errnoText(error.errnoCode))")
        default:
            return OVirtRESTError(.protocolViolation, "\(prefix): \(error)")
        }
    }

    /// BoringSSL's reason names (`CERTIFICATE_VERIFY_FAILED`) in plain words.
    private static func boringSSLReason(_ error: BoringSSLError) -> String {
        // An entry reads "Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:NAME at file:line";
        // the first entry is the root cause.
        guard case .sslError(let stack) = error, let first = stack.first else { return "\(error)" }
        let text = "\(first)"
        guard let start = text.firstRange(of: " error:")?.upperBound else { return text }
        let fields = text[start...].split(separator: ":")
        guard fields.count > 3, let name = fields[3].split(separator: " ").first else { return text }
        return String(name.lowercased().map { $0 == "_" ? " " : $0 })
    }

    /// The `<detail>` (or `<reason>`) of an oVirt `<fault>` document, e.g. a search syntax error.
    private static func faultDetail(_ body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        for tag in ["detail", "reason"] {
            guard let open = text.firstRange(of: "<\(tag)>"),
                let close = text[open.upperBound...].firstRange(of: "</\(tag)>")
            else { continue }
            let detail = text[open.upperBound..<close.lowerBound].drop { $0.isWhitespace }
            if !detail.isEmpty { return String(detail.prefix(300)).trimmingSuffix(while: \.isWhitespace) }
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = self
        while let last = text.last, predicate(last) { text.removeLast() }
        return text
    }
}

/// `strerror` in the lower case of a sentence's middle: "connection refused".
private func errnoText(_ code: CInt) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
}

func spoken(_ duration: Duration) -> String {
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
}

func spokenBytes(_ count: Int) -> String {
    if count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
    if count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
    return "\(count) bytes"
}
