import Benchmark
import EmbeddedPython
import Foundation
import Scheduling
import XMLRPC

/// Host ids shaped like the engine's (UUIDs).
private func hostIDs(_ count: Int) -> [String] {
    (0..<count).map { index in
        let hex = String(index, radix: 16)
        let tail = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "6a1b2c3d-4e5f-4a6b-8c7d-\(tail)"
    }
}

/// runFilters as the engine's Apache XML-RPC client sends it: untyped string values, `<struct/>`.
private func apacheRunFilters(hosts: [String]) -> [UInt8] {
    var body = """
        <?xml version="1.0" encoding="UTF-8"?><methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">\
        <methodName>runFilters</methodName><params>\
        <param><value><array><data><value>accept_all</value><value>drop_first</value><value>drop_last</value></data></array></value></param>\
        <param><value><array><data>
        """
    for host in hosts { body += "<value>\(host)</value>" }
    body += """
        </data></array></value></param><param><value>d9226436-2233-406d-8927-dd6b1a10083c</value></param>\
        <param><value><struct/></value></param></params></methodCall>
        """
    return Array(body.utf8)
}

/// `count` copies of the shared oVirt REST sample host (../shared beside the repository),
/// each a document of its own with its own id.
private func hostDocuments(_ count: Int) -> [String] {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/fixtures/ovirt-rest/singlehost.xml").path
    guard let sample = try? String(contentsOfFile: path, encoding: .utf8) else {
        fatalError("missing \(path): the benchmarks expect ../shared beside the repository")
    }
    let host = String(sample[sample.range(of: "<host ")!.lowerBound..<sample.range(of: "</host>")!.upperBound])
    return hostIDs(count).map { host.replacingOccurrences(of: "dae2bb4c-a94e-4142-9206-895eff333450", with: $0) }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], maxDuration: .seconds(3))

    let thousandHosts = hostIDs(1000)
    let request = apacheRunFilters(hosts: thousandHosts)
    Benchmark("XML-RPC decode + encode, 1,000-host runFilters") { benchmark in
        for _ in benchmark.scaledIterations {
            let call = try XMLRPCDecoder.decodeMethodCall(request)
            guard case .array(let hosts) = call.params[1] else { fatalError("no hosts") }
            var answer = XMLRPCStruct()
            answer.append("result_code", .int(0))
            answer.append("result", .array(hosts))
            blackHole(XMLRPCEncoder.encodeResponse(.struct(answer)))
        }
    }

    let tenThousandHosts = hostIDs(10_000)
    // A plugin that answers with the host objects it was given gets the request's own
    // strings back (read by identity); one that makes its ids anew gets separate strings,
    // which compare byte by byte.
    func scores(sharingStorage: Bool) -> [[(host: String, score: Double)]] {
        (0..<10).map { unit in
            tenThousandHosts.enumerated().map {
                (
                    host: sharingStorage ? $0.element : String(decoding: Array($0.element.utf8), as: UTF8.self),
                    score: Double(($0.offset * (unit + 3)) % 97)
                )
            }
        }
    }
    for (name, unitScores) in [
        ("Cost table, 10,000 hosts x 10 units", scores(sharingStorage: true)),
        ("Cost table, 10,000 hosts x 10 units, ids made anew by the plugins", scores(sharingStorage: false)),
    ] {
        Benchmark(name) { benchmark in
            for _ in benchmark.scaledIterations {
                var table = CostTable(hosts: tenThousandHosts)
                for (unit, scores) in unitScores.enumerated() {
                    table.add(weight: Double(unit + 1), scores: scores)
                }
                blackHole(table.costs)
            }
        }
    }

    Benchmark(
        "Embedded Python call round trip (pool thread, GIL, call, result)",
        configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput], maxDuration: .seconds(3))
    ) { benchmark in
        try PythonInterpreter.start()
        let increment = try PythonInterpreter.withGIL { gil throws(PythonError) in
            try gil.run("def increment(n):\n    return n + 1\n", filename: "<benchmark>").item(forKey: "increment")!
                .shared()
        }
        let pool = PythonCallPool(maxThreads: 1)
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            let value = try await pool.run(timeout: .seconds(30)) { gil in
                try increment.bind(gil).call(gil.int(index)).int()
            }
            blackHole(value)
        }
        benchmark.stopMeasurement()
    }

    let documents = hostDocuments(1000)
    Benchmark("Host XML to entities, 1,000 documents (libxml2, no GIL)") { benchmark in
        for _ in benchmark.scaledIterations {
            var reader = EntityXMLReader()
            for document in documents {
                blackHole(try reader.entities(in: document))
            }
        }
    }

    /// Marshals the thousand hosts into Python objects each iteration, then hands the list to `use`.
    func marshalling(
        _ name: String,
        _ use: @escaping @Sendable (PythonEntityFactory, borrowing PyOwned, borrowing GIL) throws(PythonError) -> Void
    ) {
        Benchmark(name, configuration: .init(metrics: [.wallClock, .cpuTotal, .throughput], maxDuration: .seconds(3))) {
            benchmark in
            try PythonInterpreter.start()
            let entities = try documents.flatMap { try EntityXML.entities(in: $0) }
            let factory = try PythonInterpreter.withGIL { gil throws(PythonError) in try PythonEntityFactory(gil) }
            // On a call-pool thread, as in the daemon: it keeps its Python thread state,
            // where PythonInterpreter.withGIL would make and drop one per iteration.
            let pool = PythonCallPool(maxThreads: 1)
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                try await pool.run(timeout: .seconds(30)) { gil in try use(factory, factory.list(entities, gil), gil) }
            }
            benchmark.stopMeasurement()
        }
    }
    marshalling("Entities to Python objects, 1,000 hosts (GIL held; attributes made on first read)") {
        (_, list, _) throws(PythonError) in
        blackHole(try list.count())
    }
    marshalling("Entities to Python objects, 1,000 hosts, every attribute read (GIL held)") {
        (factory, list, gil) throws(PythonError) in
        try factory.expandAll(list, gil)
    }
}
