import Foundation
import NIOSSL

/// The daemon's HTTPS identity: its certificate and key, and optionally the CA
/// that client certificates must be signed by.
///
/// Everything is loaded and checked once, before the daemon listens, so a
/// missing, unreadable or mismatched file stops it with a reason instead of
/// failing every handshake later.
public struct ServerTLS: Sendable {
    let context: NIOSSLContext
    /// Whether a connection without a certificate signed by `ssl_client_ca` is refused.
    public let requiresClientCertificate: Bool
    /// When the server certificate may be used, to warn about one that has expired.
    public let validFrom: Date
    public let validUntil: Date

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public init(certificate certificatePath: String, key keyPath: String, clientCA clientCAPath: String?)
        throws(Problem)
    {
        let chain = try Self.certificates(key: "ssl_cert", path: certificatePath)
        let keyBytes = try Self.contents(key: "ssl_key", path: keyPath)
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw Problem(
                description: "ssl_key \(keyPath): not an unencrypted PEM private key (a key with a passphrase "
                    + "cannot be used)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        if let clientCAPath {
            configuration.trustRoots = .certificates(try Self.certificates(key: "ssl_client_ca", path: clientCAPath))
            // Verifies and requires a client certificate; a server has no client host name to check.
            configuration.certificateVerification = .noHostnameVerification
            // Tells clients with several certificates which one to present.
            configuration.sendCANameList = true
        }
        configuration.minimumTLSVersion = .tlsv12
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            // Both files parsed on their own, so the key is not the certificate's.
            throw Problem(
                description: "ssl_key \(keyPath) does not match the certificate in ssl_cert \(certificatePath)")
        } catch {
            throw Problem(description: "cannot set up HTTPS with ssl_cert \(certificatePath): \(error)")
        }
        requiresClientCertificate = clientCAPath != nil
        validFrom = Date(timeIntervalSince1970: TimeInterval(chain[0].notValidBefore))
        validUntil = Date(timeIntervalSince1970: TimeInterval(chain[0].notValidAfter))
    }

    /// The file's bytes, or the reason the operator needs when they cannot be read.
    private static func contents(key: String, path: String) throws(Problem) -> [UInt8] {
        func fail(_ reason: String) -> Problem { Problem(description: "\(key) \(path): cannot read it: \(reason)") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail(String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            guard count > 0 else {
                if errno == EINTR { continue }
                throw fail(String(cString: strerror(errno)))
            }
            // Certificates and keys are a few kilobytes; anything huge is the wrong file.
            guard bytes.count + count <= 1 << 20 else { throw fail("larger than 1 MiB, not a PEM file") }
            bytes += chunk[..<count]
        }
    }

    private static func certificates(key: String, path: String) throws(Problem) -> [NIOSSLCertificate] {
        let bytes = try contents(key: key, path: path)
        let certificates = (try? NIOSSLCertificate.fromPEMBytes(bytes)) ?? []
        guard !certificates.isEmpty else {
            throw Problem(description: "\(key) \(path): no PEM certificate in it")
        }
        return certificates
    }
}
