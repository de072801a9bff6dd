// getpid, _exit and waitpid come through CPython's module (and its shim); see
// PythonCallPool.swift for why Glibc is not imported beside it.
internal import CPython
import Deadlines
import Synchronization

/// What a plugin's `os.fork()` leaves behind: a copy of the process with only the thread
/// that called the plugin. If the plugin's code returns in that copy instead of exiting,
/// it comes back into the daemon's code, which would deliver the call's result a second
/// time (resuming the parent's continuation in a process where none of its threads
/// exist), answer on the daemon's sockets, or run its loops. Every way back from Python
/// into the daemon (the end of `withGIL`, a pool call's body) checks the pid first, and a
/// forked copy leaves at once with `_exit(0)`: no atexit handlers, no flushing of
/// buffers it shares with the daemon. Python's own after-fork handling keeps the parent's
/// interpreter consistent.
///
/// The process that forked is the copy's parent, so it must reap it: the copy sends its
/// pid down a pipe to a thread that waits for it (and only for it: children a plugin
/// manages itself are the plugin's to wait for).
enum ForkedChild {
    /// The process the interpreter was started in; 0 before that.
    private static let owner = Atomic<Int32>(0)
    /// The write end of the reaper's pipe, inherited by every forked copy.
    private static let reaperInput = Atomic<Int32>(-1)

    /// Called once, as the interpreter starts, before any plugin runs.
    static func recordOwner() {
        var ends: [Int32] = [-1, -1]
        // Close-on-exec: a worker or a program a plugin runs has no business with it.
        if sp_cloexec_pipe(&ends) == 0 {
            let (output, input) = (ends[0], ends[1])
            reaperInput.store(input, ordering: .relaxed)
            startDetachedThread { reap(from: output) }
        }
        // Without a pipe (out of descriptors) copies still leave; they are reaped with the daemon.
        owner.store(getpid(), ordering: .releasing)
    }

    /// Returns at once in the process that started the interpreter; ends a forked copy.
    static func leaveIfForked() {
        let ownerPID = owner.load(ordering: .acquiring)
        guard ownerPID != 0 else { return }
        var pid = getpid()
        guard pid != ownerPID else { return }
        let input = reaperInput.load(ordering: .relaxed)
        if input >= 0 {
            // Four bytes to a pipe are written whole; should it fail, the copy still leaves.
            _ = write(input, &pid, MemoryLayout<Int32>.size)
        }
        _exit(0)
    }

    private static func reap(from output: Int32) {
        while true {
            var pid: Int32 = 0
            let count = read(output, &pid, MemoryLayout<Int32>.size)
            if count < 0 && sp_errno() == EINTR { continue }
            guard count == MemoryLayout<Int32>.size else { return }
            // The copy exits right after writing. A plugin that waits for its child itself
            // gets the first chance; ECHILD then means it did.
            var status: Int32 = 0
            repeat {
                usleep(100_000)
            } while waitpid(pid, &status, WNOHANG) == 0
        }
    }
}
