import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

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
    let settings: OVirtRESTSettings
    let engine: EngineAddress
    let authorization: String
    let tlsContext: NIOSSLContext?
    let group: any EventLoopGroup
    let state = Mutex(State())

    struct State {
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
}
