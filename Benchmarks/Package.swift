// swift-tools-version: 6.1
// Micro-benchmarks (ordo-one/benchmark). A package of its own, so that building
// and testing the daemon never pays for the benchmark harness.
//
//   cd Benchmarks && swift package --disable-sandbox benchmark
import Foundation
import PackageDescription

// A path dependency is known by its folder's name, which is whatever the
// checkout is called ("main", "scheduler-proxy", a CI clone...).
let proxyPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "scheduler-proxy-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "ProxyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "XMLRPC", package: proxyPackage),
                .product(name: "EmbeddedPython", package: proxyPackage),
                .product(name: "Scheduling", package: proxyPackage),
            ],
            path: "Benchmarks/ProxyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        )
    ]
)
