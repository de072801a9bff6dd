import Glibc

/// One end of the Unix socket between the daemon and a worker: whole messages in and
/// out, with blocking calls, so only ever used from threads of its own.
public struct FrameChannel: Sendable {
    public let descriptor: Int32

    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// A connected pair, for tests and for spawning a worker.
    static func pair() throws(FrameError) -> (FrameChannel, FrameChannel) {
        var sockets: [Int32] = [-1, -1]
        // Close-on-exec: a worker spawned later must not inherit another worker's socket.
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets) == 0
        else { throw .system("socketpair", errno) }
        return (FrameChannel(descriptor: sockets[0]), FrameChannel(descriptor: sockets[1]))
    }

    public func send(_ message: WorkerMessage) throws(FrameError) {
        let frame = message.frame()
        var sent = 0
        while sent < frame.count {
            // MSG_NOSIGNAL: a worker that died is an error to report, not a SIGPIPE for the daemon.
            let result = frame.withUnsafeBytes { bytes in
                Glibc.send(descriptor, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw errno == EPIPE || errno == ECONNRESET ? .closed : .system("send", errno)
            }
            sent += result
        }
    }

    public func receive() throws(FrameError) -> WorkerMessage {
        try receiveCountingBytes().message
    }

    /// The next message and the size of its payload.
    func receiveCountingBytes() throws(FrameError) -> (message: WorkerMessage, bytes: Int) {
        let prefix = try read(4, atFrameStart: true)
        let length = WorkerMessage.payloadLength(prefix: prefix)
        guard length <= WorkerMessage.maxPayloadBytes else {
            throw .malformed("a payload of \(length) bytes (at most \(WorkerMessage.maxPayloadBytes))")
        }
        return (try WorkerMessage.decode(payload: try read(length, atFrameStart: false)[...]), length)
    }

    private func read(_ count: Int, atFrameStart: Bool) throws(FrameError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let result = buffer.withUnsafeMutableBytes { bytes in
                recv(descriptor, bytes.baseAddress! + received, count - received, 0)
            }
            if result < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET { throw .closed }
                throw .system("recv", errno)
            }
            if result == 0 {
                throw atFrameStart && received == 0 ? .closed : .malformed("truncated: the connection closed mid-frame")
            }
            received += result
        }
        return buffer
    }

    public func close() {
        _ = Glibc.close(descriptor)
    }
}
