import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

extension OVirtRESTClient {
    /// One GET on a fresh connection; the promise is the single place every outcome lands:
    /// the answer, the timer, cancellation, shutdown, and connection or TLS failures.
    func get(_ request: SearchRequest) async throws(OVirtRESTError) -> [UInt8] {
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
