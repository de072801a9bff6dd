import Glibc
import Scheduling
import Testing

@testable import PluginWorkers

@Suite struct WorkerMessageTests {
    static let host = Entity(
        EntityElement(
            name: "host", attributes: [.init(name: "id", value: "h-1"), .init(name: "href", value: "/hosts/h-1")],
            children: [
                EntityElement(name: "name", text: "hôte ünïcode ☃"),
                EntityElement(
                    name: "cpu",
                    children: [
                        EntityElement(
                            name: "topology",
                            children: [
                                EntityElement(name: "cores", text: "8"), EntityElement(name: "sockets", text: "2"),
                            ]
                        )
                    ]),
                EntityElement(name: "cluster", attributes: [.init(name: "id", value: "c-1")]),
                EntityElement(name: "empty"),
            ]))!
    static let vm = Entity(EntityElement(name: "vm", children: [EntityElement(name: "ID", text: "vm-9")]))!

    static let call = PythonUnitCall(
        kind: .score, unit: "even_vm_distribution",
        arguments: UnitArguments(hostIDs: ["h-1", "h-2"], hosts: [host, nil], vmID: "vm-9", vm: vm),
        properties: ["b": "2", "a": "", "SCHED_RANK": "memory - 1"], outputLimit: 8 << 20)

    static let messages: [WorkerMessage] = [
        .ready,
        .call(id: 1, call),
        .call(
            id: UInt64.max,
            PythonUnitCall(
                kind: .balance, unit: "", arguments: UnitArguments(hostIDs: []), properties: [:], outputLimit: 0)),
        .answer(id: 7, .success(.hosts(["h-1", "", "h-ü"]))),
        .answer(id: 300, .success(.scores([("h-1", 0.5), ("h-2", -1e300), ("h-3", 42)]))),
        .answer(id: 1 << 40, .success(.balance(nil))),
        .answer(id: 2, .success(.balance(BalanceDecision(vm: "vm-9", hosts: ["h-2"])))),
        .answer(id: 3, .failure(UnitFailure(message: "worker died: killed by SIGSEGV"))),
    ]

    private func decodeFrame(_ frame: [UInt8]) throws(FrameError) -> WorkerMessage {
        #expect(WorkerMessage.payloadLength(prefix: frame.prefix(4)) == frame.count - 4)
        return try WorkerMessage.decode(payload: frame[4...])
    }

    @Test(arguments: messages) func everyMessageRoundTrips(_ message: WorkerMessage) throws {
        #expect(try decodeFrame(message.frame()) == message)
    }

    @Test func entitiesTravelAsTheirTreesAndKeepTheirIds() throws {
        guard case .call(_, let call) = try decodeFrame(WorkerMessage.call(id: 1, Self.call).frame()) else {
            Issue.record("not a call")
            return
        }
        #expect(call.arguments.hosts[0]?.element == Self.host.element)
        #expect(call.arguments.hosts[0]?.id == "h-1")
        #expect(call.arguments.hosts[1] == nil)
        #expect(call.arguments.vm?.id == "vm-9")
        #expect(call.properties == Self.call.properties)
    }

    @Test(arguments: messages) func everyTruncationIsAnErrorNotATrap(_ message: WorkerMessage) {
        let payload = Array(message.frame().dropFirst(4))
        for length in 0..<payload.count {
            #expect(throws: FrameError.self) { try WorkerMessage.decode(payload: payload[..<length]) }
        }
    }

    @Test func trailingBytesAreRefused() {
        let payload = Array(WorkerMessage.ready.frame().dropFirst(4)) + [0]
        #expect(throws: FrameError.malformed("1 bytes after the message")) {
            try WorkerMessage.decode(payload: payload[...])
        }
    }

    @Test func garbageIsAnErrorNotATrap() {
        var generator = SystemRandomNumberGenerator()
        let valid = Array(WorkerMessage.call(id: 5, Self.call).frame().dropFirst(4))
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<Int.random(in: 1...8, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            // Flipped bytes may still spell a valid message; what matters is that nothing traps.
            _ = try? WorkerMessage.decode(payload: bytes[...])
            let noise = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? WorkerMessage.decode(payload: noise[...])
        }
    }

    @Test func hugeCountsAndOverlongIntegersAreRefusedBeforeAllocating() {
        // A call whose host id list claims 2^62 entries.
        var writer = FrameWriter()
        writer.byte(2)
        writer.integer(1)
        writer.byte(0)
        writer.string("unit")
        writer.integer(1 << 62)
        #expect(throws: FrameError.self) { try WorkerMessage.decode(payload: writer.bytes[...]) }
        let overlong: [UInt8] = [3] + [UInt8](repeating: 0xFF, count: 11)
        #expect(throws: FrameError.malformed("an integer longer than 64 bits")) {
            try WorkerMessage.decode(payload: overlong[...])
        }
        #expect(throws: FrameError.malformed("a string that is not UTF-8")) {
            var invalid = FrameWriter()
            invalid.byte(3)
            invalid.integer(1)
            invalid.byte(4)
            invalid.integer(2)
            invalid.bytes += [0xC3, 0x28]
            _ = try WorkerMessage.decode(payload: invalid.bytes[...])
        }
    }

    @Test func treesDeeperThanTheLimitAreRefused() {
        var element = EntityElement(name: "leaf")
        for _ in 0..<WorkerMessage.maxElementDepth {
            element = EntityElement(name: "level", children: [element])
        }
        element.attributes = [.init(name: "id", value: "deep")]
        let call = PythonUnitCall(
            kind: .filter, unit: "u", arguments: UnitArguments(hostIDs: ["deep"], hosts: [Entity(element)]),
            properties: [:], outputLimit: 1)
        let frame = WorkerMessage.call(id: 1, call).frame()
        #expect(throws: FrameError.malformed("elements nested more than 1024 deep")) {
            try WorkerMessage.decode(payload: frame[4...])
        }
    }

    @Test func aChannelCarriesFramesAndReportsTheOtherSideClosing() throws {
        let (daemon, worker) = try FrameChannel.pair()
        defer { daemon.close() }
        for message in Self.messages {
            try daemon.send(message)
            #expect(try worker.receive() == message)
        }
        // Half a frame, then the end: truncated, not a clean close.
        let frame = WorkerMessage.call(id: 9, Self.call).frame()
        _ = frame.withUnsafeBytes { send(worker.descriptor, $0.baseAddress, 10, 0) }
        worker.close()
        #expect(throws: FrameError.malformed("truncated: the connection closed mid-frame")) { try daemon.receive() }
        #expect(throws: FrameError.closed) { try daemon.receive() }
        #expect(throws: FrameError.closed) { try daemon.send(.ready) }
    }

    @Test func anAbsurdLengthPrefixIsRefused() throws {
        let (daemon, worker) = try FrameChannel.pair()
        defer {
            daemon.close()
            worker.close()
        }
        let prefix: [UInt8] = [0xFF, 0xFF, 0xFF, 0x7F]
        _ = prefix.withUnsafeBytes { send(worker.descriptor, $0.baseAddress, 4, 0) }
        #expect(throws: FrameError.self) { try daemon.receive() }
    }

    @Test func exitStatusesReadAsAnAdminWouldSayThem() {
        #expect(WorkerExit(waitStatus: 11).description == "killed by SIGSEGV")
        #expect(WorkerExit(waitStatus: 1 << 8).description == "exited with status 1")
        #expect(WorkerExit(waitStatus: 9).description == "killed by SIGKILL")
        #expect(WorkerExit(waitStatus: 50).description == "killed by signal 50")
    }

    static let recordedOutcomes: [WorkerMessage] = [
        .answer(
            id: 8,
            .success(
                .hosts(
                    ["h-1"],
                    reasons: [
                        HostReason(host: "h-2", reason: "only 1 GiB free"), HostReason(host: "h-ü", reason: ""),
                    ]))),
        .answer(id: 9, .failure(UnitFailure(message: "timed out after 2 s", status: .timeout))),
        .answer(id: 10, .failure(UnitFailure(message: "plugin not found: 'x'", status: .notFound))),
    ]

    @Test(arguments: recordedOutcomes) func reasonsAndFailureKindsCrossToTheDaemon(_ message: WorkerMessage) throws {
        #expect(try decodeFrame(message.frame()) == message)
        let frame = message.frame()
        for length in 4..<frame.count {
            #expect(throws: FrameError.self) { try WorkerMessage.decode(payload: frame[4..<length]) }
        }
    }

    @Test func anUnknownFailureKindIsRefused() {
        var frame = WorkerMessage.answer(id: 1, .failure(UnitFailure(message: "m", status: .timeout))).frame()
        let kind = Array("timeout".utf8)
        let start = frame.firstRange(of: kind)!.lowerBound
        frame.replaceSubrange(start..<start + kind.count, with: Array("tiMeout".utf8))
        #expect(throws: FrameError.malformed("unknown unit status tiMeout")) {
            try WorkerMessage.decode(payload: frame[4...])
        }
    }
}
