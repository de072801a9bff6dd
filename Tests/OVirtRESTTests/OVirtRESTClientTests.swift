import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import OVirtREST
import Testing

/// The ids of the top-level entities in the documents, unescaped, in document order.
private func entityIDs(_ documents: [[UInt8]], tag: String) -> [String] {
    documents.flatMap { document in
        String(decoding: document, as: UTF8.self).matches(of: try! Regex("<\(tag) href=\"[^\"]*\" id=\"([^\"]*)\""))
            .map { match in
                String(match.output[1].substring!).replacingOccurrences(of: "&quot;", with: "\"")
                    .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
                    .replacingOccurrences(of: "&amp;", with: "&")
            }
    }
}

/// Runs `body` against a started double and stops it afterwards, whatever happens.
func withEngine<T>(
    _ double: EngineDouble = EngineDouble(), tls: NIOSSLContext? = nil,
    _ body: (EngineDouble) async throws -> T
) async throws -> T {
    try await double.start(tls: tls)
    do {
        let result = try await body(double)
        await double.stop()
        return result
    } catch {
        await double.stop()
        throw error
    }
}

/// Expects the fetch to fail and returns its error.
func fetchError(
    _ client: OVirtRESTClient, _ collection: OVirtCollection = .hosts, ids: [String] = ["h1"]
) async -> OVirtRESTError? {
    do {
        _ = try await client.fetch(collection, ids: ids)
        return nil
    } catch {
        return error
    }
}

@Suite struct FetchingTests {
    @Test func fetchesEveryKnownIDInBatchesOfBatchSize() async throws {
        try await withEngine { engine in
            let known = (0..<240).map { "host-\($0)" }
            let unknown = (0..<10).map { "unknown-\($0)" }
            let ids = Array((known + unknown).shuffled())
            let client = try OVirtRESTClient(settings: engine.settings(batchSize: 100))
            // Repeated ids are asked for once, so they add no batch.
            let documents = try await client.fetch(.hosts, ids: ids + ids.prefix(20))
            #expect(documents.count == 3)
            #expect(engine.requests.count == 3)
            // The batches run concurrently, so the engine may see them in any order.
            #expect(engine.requests.map(\.searchedIDs.count).sorted() == [50, 100, 100])
            #expect(Set(engine.requests.flatMap(\.searchedIDs)) == Set(ids))
            #expect(Set(entityIDs(documents, tag: "host")) == Set(known))
            #expect(entityIDs(documents, tag: "host").count == known.count)
            for document in documents {
                #expect(String(decoding: document, as: UTF8.self).contains("<hosts>"))
            }
        }
    }

    @Test func sendsOneSearchQueryWithTheHeadersTheEngineExpects() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            _ = try await client.fetch(.hosts, ids: ["A", "B"])
            let request = try #require(engine.requests.first)
            #expect(engine.requests.count == 1)
            #expect(request.uri == "/ovirt-engine/api/hosts?search=id%3DA%20or%20id%3DB")
            let credentials = Data("admin@internal:secret".utf8).base64EncodedString()
            #expect(request.headers["Authorization"] == ["Basic \(credentials)"])
            #expect(request.headers["Accept"] == ["application/xml"])
            #expect(request.headers["Version"] == ["4"])
            #expect(request.headers["Host"] == ["127.0.0.1:\(engine.port)"])
        }
    }

    @Test func fetchesVMsFromChunkedAnswers() async throws {
        try await withEngine(EngineDouble(chunked: true)) { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let ids = (0..<30).map { "vm-\($0)" }
            let documents = try await client.fetch(.vms, ids: ids + ["unknown-vm"])
            #expect(engine.requests.first?.uri.hasPrefix("/ovirt-engine/api/vms?search=id%3Dvm-0%20or%20") == true)
            #expect(entityIDs(documents, tag: "vm") == ids)
            // Bigger than one 16 KiB chunk of the double, so the body really came in pieces.
            #expect(documents[0].count > 3 * 16_384)
        }
    }

    @Test func encodesIDsSoTheEngineDecodesThemUnchanged() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let ids = ["a&b", "x+y", "50%", "ä/ö#?", "id=z", "semi;colon", "quote\"d", "<tag>"]
            let documents = try await client.fetch(.hosts, ids: ids)
            #expect(engine.requests.first?.searchedIDs == ids)
            let uri = try #require(engine.requests.first?.uri)
            #expect(
                uri.hasPrefix("/ovirt-engine/api/hosts?search=id%3Da%26b%20or%20id%3Dx%2By%20or%20id%3D50%25%20or%20"))
            #expect(uri.contains("id%3D%C3%A4%2F%C3%B6%23%3F"))
            #expect(entityIDs(documents, tag: "host") == ids)
        }
    }

    @Test func refusesIDsTheSearchLanguageCannotExpress() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            for bad in ["a b", "", "tab\there", "x or id=y"] {
                let error = await fetchError(client, ids: ["good", bad])
                #expect(error?.kind == .invalidID)
                #expect(error?.description.contains("'\(bad)'") == true)
            }
            #expect(engine.requests.isEmpty)
        }
    }

    @Test func noIDsNeedNoRequest() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            #expect(try await client.fetch(.vms, ids: []).isEmpty)
            #expect(engine.requests.isEmpty)
        }
    }

    @Test func keepsAtMostMaxConcurrentRequestsInFlightAndBatchOrder() async throws {
        try await withEngine(EngineDouble(behavior: .answerAfter(.milliseconds(100)))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings(batchSize: 1, concurrency: 3))
            let ids = (0..<10).map { "host-\($0)" }
            let documents = try await client.fetch(.hosts, ids: ids)
            #expect(engine.requests.count == 10)
            #expect(engine.maxInFlight <= 3)
            #expect(engine.maxInFlight >= 1)
            #expect(documents.map { entityIDs([$0], tag: "host") } == ids.map { [$0] })
        }
    }
}

@Suite struct FailureTests {
    @Test func wrongPasswordNamesTheStatusAndTheSettings() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(settings: engine.settings(password: "wrong"))
            let error = try #require(await fetchError(client))
            #expect(error.kind == .httpStatus(401))
            #expect(error.description.contains("HTTP 401 Unauthorized"))
            #expect(error.description.contains("check ovirt_user and ovirt_password_file"))
            #expect(
                error.description.contains("GET http://127.0.0.1:\(engine.port)/ovirt-engine/api/hosts?search=id%3Dh1"))
            #expect(!error.description.contains("wrong"))
        }
    }

    @Test func unreachablePortIsAConnectionError() async throws {
        // A port that was just free: bind, note it, close.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(probe.localAddress?.port)
        try await probe.close()
        let client = try OVirtRESTClient(
            settings: OVirtRESTSettings(url: "http://127.0.0.1:\(port)/ovirt-engine/api", user: "u", password: "p"))
        let error = try #require(await fetchError(client))
        #expect(error.kind == .connection)
        #expect(error.description.contains("cannot connect to 127.0.0.1:\(port): connection refused"))
    }

    @Test func slowEngineTimesOut() async throws {
        // The engine would answer long after the bound below: under it, the client gave up at
        // its timeout instead of waiting for the answer (generous, for a busy machine).
        try await withEngine(EngineDouble(behavior: .answerAfter(.seconds(30)))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings(timeout: .milliseconds(500)))
            let start = ContinuousClock.now
            let error = try #require(await fetchError(client))
            #expect(error.kind == .timeout)
            #expect(error.description.contains("no answer within 0.5 s"))
            #expect(ContinuousClock.now - start < .seconds(15))
        }
    }

    @Test(arguments: [false, true])
    func oversizedAnswerIsAbandoned(chunked: Bool) async throws {
        try await withEngine(EngineDouble(behavior: .oversized(bytes: 300_000, chunked: chunked))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings(maxResponseBytes: 64 << 10))
            let error = try #require(await fetchError(client))
            #expect(error.kind == .responseTooLarge)
            #expect(error.description.contains("response larger than 64 KiB"))
        }
    }

    @Test func redirectIsNotFollowed() async throws {
        let target = "https://engine.example/ovirt-engine/api/hosts"
        try await withEngine(EngineDouble(behavior: .redirect(to: target))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let error = try #require(await fetchError(client))
            #expect(error.kind == .httpStatus(302))
            #expect(error.description.contains("HTTP 302 Found, redirected to \(target)"))
            #expect(engine.requests.count == 1)
        }
    }

    @Test func faultDetailIsPassedOn() async throws {
        let detail = "[Cannot search: syntax error near 'id']"
        try await withEngine(EngineDouble(behavior: .fault(.badRequest, detail: detail))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let error = try #require(await fetchError(client))
            #expect(error.kind == .httpStatus(400))
            #expect(error.description.hasSuffix("HTTP 400 Bad Request: \(detail)"))
        }
    }

    @Test func wrongAPIPathNamesTheSetting() async throws {
        try await withEngine { engine in
            let client = try OVirtRESTClient(
                settings: engine.settings(url: "http://127.0.0.1:\(engine.port)/ovirt-engine"))
            let error = try #require(await fetchError(client))
            #expect(error.kind == .httpStatus(404))
            #expect(error.description.contains("check ovirt_url"))
        }
    }

    @Test func hangUpIsReported() async throws {
        try await withEngine(EngineDouble(behavior: .hangUp)) { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let error = try #require(await fetchError(client))
            #expect(error.kind == .protocolViolation)
            #expect(error.description.contains("the engine closed the connection without answering"))
        }
    }

    @Test func shutdownEndsRequestsInFlightAndRefusesNewOnes() async throws {
        try await withEngine(EngineDouble(behavior: .answerAfter(.seconds(30)))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let start = ContinuousClock.now
            async let pending = fetchError(client)
            while engine.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            await client.shutdown()
            let error = await pending
            #expect(error?.kind == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(15))
            #expect(await fetchError(client)?.kind == .cancelled)
        }
    }

    @Test func cancellingTheFetchEndsIt() async throws {
        try await withEngine(EngineDouble(behavior: .answerAfter(.seconds(30)))) { engine in
            let client = try OVirtRESTClient(settings: engine.settings())
            let start = ContinuousClock.now
            let task = Task { await fetchError(client) }
            while engine.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            task.cancel()
            #expect(await task.value?.kind == .cancelled)
            #expect(ContinuousClock.now - start < .seconds(15))
        }
    }
}

@Suite struct SettingsTests {
    @Test(arguments: [
        ("ftp://engine.example/api", "ovirt_url must start with http:// or https://"),
        ("engine.example/api", "ovirt_url must start with http:// or https://"),
        ("https:///api", "ovirt_url has no host name"),
        ("https://engine.example:0/api", "ovirt_url has a port that is not a number from 1 to 65535"),
        ("https://engine.example:https/api", "ovirt_url has a port that is not a number from 1 to 65535"),
        ("https://admin:pw@engine.example/api", "ovirt_url must not hold a user or password"),
        ("https://engine.example/api?x=1", "ovirt_url must not have a query"),
        ("https://[::1/api", "ovirt_url has an unclosed '['"),
    ])
    func badURLIsRefusedUpFront(url: String, message: String) {
        #expect {
            try OVirtRESTClient(settings: OVirtRESTSettings(url: url, user: "u", password: "p"))
        } throws: { error in
            (error as? OVirtRESTError)?.kind == .configuration && "\(error)".contains(message)
        }
    }

    @Test func badSettingsAreRefusedUpFront() throws {
        let base = OVirtRESTSettings(url: "https://engine.example/ovirt-engine/api", user: "u", password: "p")
        var colon = base
        colon.user = "a:b"
        var batch = base
        batch.batchSize = 0
        var missingCA = base
        missingCA.caFile = "/nonexistent/ca.pem"
        let notPEM = FileManager.default.temporaryDirectory.appendingPathComponent("ovirt-not-a-ca-\(UUID()).pem")
        try Data("not a certificate\n".utf8).write(to: notPEM)
        defer { try? FileManager.default.removeItem(at: notPEM) }
        var badCA = base
        badCA.caFile = notPEM.path
        for (settings, message) in [
            (colon, "ovirt_user must not contain ':'"), (batch, "batch size must be at least 1"),
            (missingCA, "ovirt_ca_file /nonexistent/ca.pem does not exist"),
            (badCA, "ovirt_ca_file \(notPEM.path) is not a readable PEM certificate bundle"),
        ] {
            #expect {
                try OVirtRESTClient(settings: settings)
            } throws: { error in
                (error as? OVirtRESTError)?.kind == .configuration && "\(error)".contains(message)
            }
        }
        // The system's trust roots serve when no CA file is set.
        _ = try OVirtRESTClient(settings: base)
        #expect(!"\(base)".contains("\"p\"") && "\(base)".contains("password: <set>"))
    }

    @Test func passwordIsTheFirstLineOfItsFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ovirt-password-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (content, expected) in [("s3cret\n", "s3cret"), ("s3cret", "s3cret"), ("pa ss\r\nsecond\n", "pa ss")] {
            let file = folder.appendingPathComponent("password")
            try Data(content.utf8).write(to: file)
            #expect(try OVirtRESTSettings.password(fromFile: file.path) == expected)
        }
        let empty = folder.appendingPathComponent("empty")
        try Data("\nlater\n".utf8).write(to: empty)
        #expect(throws: OVirtRESTError.self) { try OVirtRESTSettings.password(fromFile: empty.path) }
        #expect(throws: OVirtRESTError.self) { try OVirtRESTSettings.password(fromFile: folder.path + "/missing") }
    }
}
