// swift-tools-version: 6.1
// Coverage-guided fuzzers (libFuzzer) for the daemon's parsers of untrusted text: the XML-RPC
// request decoder, the host and VM XML reader, and the SCHED_REQUIREMENTS/SCHED_RANK language.
// A package of its own so that the daemon's build never sees the sanitizer flags.
//
//   bash Tests/Fuzz/run [--seconds N]
import Foundation
import PackageDescription

// A path dependency is known by its folder's name, which is whatever the
// checkout is called ("main", "scheduler-proxy", a CI clone...).
let proxyPackage = URL(fileURLWithPath: Context.packageDirectory)
    .deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

// libFuzzer supplies `main`; the targets only define LLVMFuzzerTestOneInput. The sanitizers
// themselves come from the command line (see `run`), so that the library code is instrumented too.
let fuzzerSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "scheduler-proxy-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "FuzzXMLRPCDecoder",
            dependencies: [.product(name: "XMLRPC", package: proxyPackage)],
            swiftSettings: fuzzerSettings
        ),
        .executableTarget(
            name: "FuzzExpressions",
            dependencies: [.product(name: "Scheduling", package: proxyPackage)],
            swiftSettings: fuzzerSettings
        ),
        .executableTarget(
            name: "FuzzEntityXML",
            dependencies: [.product(name: "Scheduling", package: proxyPackage)],
            swiftSettings: fuzzerSettings
        ),
    ]
)
