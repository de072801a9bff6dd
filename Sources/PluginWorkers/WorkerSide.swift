import EmbeddedPython
import Foundation
import Glibc
import Scheduling

/// The worker process's half: it is started with its socket to the daemon as stdin and
/// stdout, and answers one call at a time until the daemon closes the socket.
public enum WorkerSide {
    /// Moves the daemon's socket off fds 0 and 1 before the interpreter starts: a plugin
    /// reading sys.stdin would otherwise eat calls, and anything written to fd 1 (a
    /// plugin's thread printing, a C library) would corrupt frames. fd 0 becomes
    /// /dev/null and fd 1 the daemon's stderr, where stray output belongs.
    public static func claimDaemonSocket() -> FrameChannel {
        // Nothing else the daemon had open is this process's business.
        closefrom(3)
        let socket = fcntl(0, F_DUPFD_CLOEXEC, 3)
        precondition(socket >= 0, "the worker has no socket to the daemon on stdin")
        let null = open("/dev/null", O_RDONLY)
        if null >= 0 {
            dup2(null, 0)
            close(null)
        }
        dup2(2, 1)
        return FrameChannel(descriptor: socket)
    }

    /// Says it is ready, then answers calls on a thread of its own (plugin calls block, and
    /// get the deep stack the daemon's call threads have); returns the exit status: 0 when
    /// the daemon closed the socket, 2 when it sent something that is not a call.
    public static func serve(
        _ channel: FrameChannel, answer: @escaping @Sendable (PythonUnitCall) -> Result<UnitOutput, UnitFailure>
    ) async -> Int32 {
        exitWhenOrphaned()
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: serveCalls(channel, answer: answer)) }
            thread.name = "plugin calls"
            thread.stackSize = 16 << 20
            thread.start()
        }
    }

    private static func serveCalls(
        _ channel: FrameChannel, answer: (PythonUnitCall) -> Result<UnitOutput, UnitFailure>
    ) -> Int32 {
        do throws(FrameError) {
            try channel.send(.ready)
            while true {
                guard case (.call(let id, let call), let bytes) = try channel.receiveCountingBytes() else {
                    throw .malformed("expected a call")
                }
                // Trimmed after a large call like the daemon after a large request, or the
                // worker would keep its peak size and be recycled for memory it does not use.
                let large = MemoryTrimmer.shared.begin(bytes: bytes)
                defer { MemoryTrimmer.shared.end(large) }
                try channel.send(.answer(id: id, answer(call)))
            }
        } catch .closed {
            return 0
        } catch {
            FileHandle.standardError.write(Data("scheduler-proxy worker: \(error); exiting\n".utf8))
            return 2
        }
    }

    /// A worker stuck in a plugin never reads the daemon's socket closing; if the daemon is
    /// gone (this process was handed to another parent), it leaves on its own.
    private static func exitWhenOrphaned() {
        let parent = getppid()
        Thread.detachNewThread {
            while getppid() == parent {
                sleep(1)
            }
            _exit(0)
        }
    }
}
