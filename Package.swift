// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "scheduler-proxy",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "scheduler-proxy", targets: ["scheduler-proxy"]),
        // Libraries for the benchmark package in Benchmarks/, which measures the pieces directly.
        .library(name: "XMLRPC", targets: ["XMLRPC"]),
        .library(name: "EmbeddedPython", targets: ["EmbeddedPython"]),
        .library(name: "Scheduling", targets: ["Scheduling"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        // Deque: FIFO queues that let go of each element as it is taken (already NIO's dependency);
        // Heap: the deadlines of the calls in flight.
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.1.0"),
        // 2.100 is the first to bound the size of request headers (NIOHTTPDecoderLimitConfiguration).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.100.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        // Request bodies in gzip or deflate (the engine's client can compress), gzip answers.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Metrics: the swift-metrics API where things are counted, exported in Prometheus' text format.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        // The decision journal: SQLite, compiled in (no system library to install).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.0"),
    ],
    targets: [
        // C shims: the embedded CPython and libxml2, compiled with the same feature macros.
        .systemLibrary(name: "CPython", pkgConfig: "python3-embed", providers: [.apt(["python3-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),

        // libxml2 read as SAX events, bounded by a markup pre-scan: never a DTD, an entity or the
        // network. Both XML readers (XML-RPC bodies, host and VM documents) go through it.
        .target(name: "XMLSAX", dependencies: ["CLibXML2"]),

        // XML-RPC values, a streaming request decoder and a response encoder. Knows nothing of Python.
        .target(name: "XMLRPC", dependencies: ["XMLSAX"]),

        // Calls under deadlines: the one deadline watch, exactly-once delivery of answers, the
        // threads and locks they run on, and how durations read in messages. Knows nothing of Python.
        .target(name: "Deadlines", dependencies: [.product(name: "HeapModule", package: "swift-collections")]),

        // The embedded interpreter: GIL proof, owned/borrowed references, the Python call pool.
        .target(name: "EmbeddedPython", dependencies: ["CPython", "Deadlines"]),

        // Policy units, the plugin registry, filter/score/balance semantics. Knows nothing of HTTP.
        .target(
            name: "Scheduling",
            dependencies: [
                "EmbeddedPython",
                "Deadlines",
                .product(name: "DequeModule", package: "swift-collections"),
                "XMLSAX",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            // The plugin runtime's Python, compiled into the library as byte arrays
            // (PackageResources.streams_py, ...): no file to find at run time.
            resources: [
                .embedInCode("PluginRuntime/streams.py"),
                .embedInCode("PluginRuntime/entities.py"),
                .embedInCode("PluginRuntime/fresh_modules.py"),
                .embedInCode("PluginRuntime/plugin_folder.py"),
                .embedInCode("PluginRuntime/plugin_loading.py"),
                .embedInCode("PluginRuntime/unit_calls.py"),
                .embedInCode("PluginRuntime/host_reasons.py"),
            ]
        ),

        // Python units run in worker processes, so a plugin that crashes or hangs costs its worker, not the daemon.
        .target(
            name: "PluginWorkers",
            dependencies: [
                "Scheduling",
                "Deadlines",
                .product(name: "DequeModule", package: "swift-collections"),
                "EmbeddedPython",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        // Hosts and VMs fetched from the oVirt engine's REST API, in batches. Knows nothing of Python.
        .target(
            name: "OVirtREST",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),

        // OpenNebula's XML-RPC API (oned): the host pool, for `inventory = opennebula`. Knows nothing of Python.
        .target(
            name: "OpenNebulaRPC",
            dependencies: [
                "XMLRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The XML-RPC over HTTP front end the oVirt engine talks to.
        .target(
            name: "SchedulerServer",
            dependencies: [
                "XMLRPC",
                "Scheduling",
                "Deadlines",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // Decision records kept in an SQLite file, written off the request path; read by
        // `explain`, GET /decisions and the status page.
        .target(
            name: "DecisionJournal",
            dependencies: [
                "Scheduling",
                "SchedulerServer",
                "Deadlines",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),

        // The status page at GET /: units, readiness, reloads and recent decisions, for a browser.
        .target(
            name: "StatusPage",
            dependencies: [
                "Scheduling",
                "SchedulerServer",
                "DecisionJournal",
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            // The page's HTML, CSS and script, compiled in: no file to find at run time.
            resources: [.embedInCode("status.html")]
        ),

        .executableTarget(
            name: "scheduler-proxy",
            dependencies: [
                "SchedulerServer",
                "Scheduling",
                "EmbeddedPython",
                "PluginWorkers",
                "OVirtREST",
                "OpenNebulaRPC",
                "DecisionJournal",
                "StatusPage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),

        .testTarget(name: "XMLSAXTests", dependencies: ["XMLSAX"]),
        .testTarget(name: "DecisionJournalTests", dependencies: ["DecisionJournal", "Scheduling", "SchedulerServer"]),
        .testTarget(name: "StatusPageTests", dependencies: ["StatusPage", "Scheduling", "SchedulerServer"]),
        .testTarget(name: "XMLRPCTests", dependencies: ["XMLRPC", "XMLSAX"]),
        .testTarget(name: "DeadlinesTests", dependencies: ["Deadlines"]),
        .testTarget(name: "EmbeddedPythonTests", dependencies: ["EmbeddedPython"]),
        .testTarget(name: "SchedulingTests", dependencies: ["Scheduling", "EmbeddedPython"]),
        .testTarget(name: "PluginWorkersTests", dependencies: ["PluginWorkers", "Scheduling"]),
        .testTarget(
            name: "SchedulerServerTests",
            dependencies: [
                "SchedulerServer", "XMLRPC", "Scheduling",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // The daemon's own code: reading scheduler.conf into each library's settings.
        .testTarget(
            name: "SchedulerProxyTests",
            dependencies: [
                "scheduler-proxy", "SchedulerServer", "Scheduling", "PluginWorkers", "OVirtREST", "OpenNebulaRPC",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "OVirtRESTTests",
            dependencies: [
                "OVirtREST",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
    ]
)
