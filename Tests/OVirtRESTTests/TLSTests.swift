import Foundation
import NIOSSL
import OVirtREST
import Testing

/// A throwaway CA and a server certificate it signed for `localhost` only, made with the
/// `openssl` CLI so that the test exercises the same PEM files an operator would configure.
private struct ThrowawayPKI {
    let folder: URL
    var caFile: String { folder.appendingPathComponent("ca.pem").path }
    var serverCertificate: String { folder.appendingPathComponent("server.pem").path }
    var serverKey: String { folder.appendingPathComponent("server.key").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ovirt-rest-pki-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: folder.appendingPathComponent("server.ext"))
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(
            ["req", "-x509"] + key + [
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Throwaway oVirt test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
        try openssl(["req"] + key + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try openssl([
            "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "2", "-extfile", "server.ext",
        ])
    }

    func remove() {
        try? FileManager.default.removeItem(at: folder)
    }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "openssl \(arguments) failed"])
        }
    }
}

@Suite struct TLSTests {
    @Test func httpsWorksWithTheEnginesCAAndFailsWithoutIt() async throws {
        let pki = try ThrowawayPKI()
        defer { pki.remove() }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKey, format: .pem)))
        configuration.minimumTLSVersion = .tlsv12
        let server = try NIOSSLContext(configuration: configuration)
        try await withEngine(tls: server) { engine in try await check(engine, pki) }
    }

    private func check(_ engine: EngineDouble, _ pki: ThrowawayPKI) async throws {
        let url = "https://localhost:\(engine.port)/ovirt-engine/api"

        // (a) Trusting the CA that signed the engine's certificate.
        let trusting = try OVirtRESTClient(settings: engine.settings(url: url, caFile: pki.caFile))
        let documents = try await trusting.fetch(.hosts, ids: ["host-1", "unknown-2", "host-3"])
        let text = String(decoding: documents.joined(), as: UTF8.self)
        #expect(text.contains("id=\"host-1\"") && text.contains("id=\"host-3\"") && !text.contains("unknown-2"))
        #expect(
            engine.requests.first?.uri
                == "/ovirt-engine/api/hosts?search=id%3Dhost-1%20or%20id%3Dunknown-2%20or%20id%3Dhost-3")
        #expect(engine.requests.first?.headers["Host"] == ["localhost:\(engine.port)"])

        // (b) The system's roots do not know a throwaway CA.
        let untrusting = try OVirtRESTClient(settings: engine.settings(url: url))
        do {
            _ = try await untrusting.fetch(.hosts, ids: ["host-1"])
            Issue.record("a certificate from an unknown CA was accepted")
        } catch {
            #expect(error.kind == .tls)
            #expect(error.description.contains("TLS: certificate verify failed (check ovirt_ca_file"))
        }

        // (c) The CA is right, but the certificate names localhost, not the IP address in the URL.
        let misnamed = try OVirtRESTClient(
            settings: engine.settings(url: "https://127.0.0.1:\(engine.port)/ovirt-engine/api", caFile: pki.caFile))
        do {
            _ = try await misnamed.fetch(.hosts, ids: ["host-1"])
            Issue.record("a certificate for another host name was accepted")
        } catch {
            #expect(error.kind == .tls)
            #expect(error.description.contains("TLS: the engine's certificate is not for 127.0.0.1"))
        }

        // (d) Plain http to the https port: the engine never sees a request.
        let plain = try OVirtRESTClient(
            settings: engine.settings(url: "http://127.0.0.1:\(engine.port)/ovirt-engine/api"))
        do {
            _ = try await plain.fetch(.hosts, ids: ["host-1"])
            Issue.record("plain http to an https port succeeded")
        } catch {
            #expect(error.kind == .protocolViolation)
            #expect(error.description.contains("without answering (does 127.0.0.1:\(engine.port) expect https?)"))
        }
        #expect(engine.requests.count == 1)
    }

    @Test func httpsToAPlainHTTPPortNamesTheLikelyMistake() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(
                settings: engine.settings(url: "https://127.0.0.1:\(engine.port)/ovirt-engine/api"))
            let error = try #require(await fetchError(client))
            #expect(error.kind == .tls)
            #expect(
                error.description.contains(
                    "TLS: handshake failed: wrong version number (does 127.0.0.1:\(engine.port) speak https?)"))
        }
    }
}
