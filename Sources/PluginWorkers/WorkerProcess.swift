import Foundation
import Glibc
import Scheduling
import Synchronization

/// How a worker process ended, in the words an admin reads in a plugin error.
public enum WorkerExit: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case killed(Int32)

    init(waitStatus status: Int32) {
        // WIFSIGNALED/WTERMSIG are macros Swift cannot import: a signal number in the
        // low seven bits means the process was killed, otherwise the exit code is above them.
        let signal = status & 0x7F
        self = signal == 0 ? .exited((status >> 8) & 0xFF) : .killed(signal)
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with status \(code)"
        case .killed(let signal): "killed by \(Self.name(of: signal))"
        }
    }

    static func name(of signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM",
            SIGILL: "SIGILL", SIGFPE: "SIGFPE", SIGINT: "SIGINT", SIGHUP: "SIGHUP", SIGPIPE: "SIGPIPE",
            SIGQUIT: "SIGQUIT", SIGTRAP: "SIGTRAP", SIGSYS: "SIGSYS", SIGXCPU: "SIGXCPU", SIGUSR1: "SIGUSR1",
            SIGUSR2: "SIGUSR2",
        ]
        return names[signal] ?? "signal \(signal)"
    }
}

/// Why a worker could not be started.
public struct WorkerStartError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// One `scheduler-proxy worker` process and the daemon's end of its socket.
final class WorkerProcess: Sendable {
    let pid: pid_t
    let channel: FrameChannel
    /// Set once the process was waited for: its pid may then belong to another process,
    /// so nothing may signal it any more. Signalling and waiting share this lock.
    private let ended = Mutex<WorkerExit?>(nil)
    private let calls = Atomic<Int>(0)

    private init(pid: pid_t, channel: FrameChannel) {
        self.pid = pid
        self.channel = channel
    }

    /// Starts `command` with the socket as its stdin and stdout; stderr is the daemon's.
    static func spawn(_ command: [String]) throws(WorkerStartError) -> WorkerProcess {
        let ends: (FrameChannel, FrameChannel)
        do {
            ends = try FrameChannel.pair()
        } catch {
            throw WorkerStartError(description: "cannot make its socket: \(error)")
        }
        let (daemonEnd, workerEnd) = ends
        defer { workerEnd.close() }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, workerEnd.descriptor, 0)
        posix_spawn_file_actions_adddup2(&actions, workerEnd.descriptor, 1)
        var arguments: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        // A plugin's segfault is reported as "worker died: killed by SIGSEGV"; the Swift
        // runtime's backtrace of the worker would only bury that in the daemon's log.
        var variables = ProcessInfo.processInfo.environment
        variables["SWIFT_BACKTRACE"] = "enable=no"
        var environment: [UnsafeMutablePointer<CChar>?] = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for variable in environment { free(variable) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, command[0], &actions, nil, &arguments, &environment)
        guard status == 0 else {
            daemonEnd.close()
            throw WorkerStartError(description: "cannot run \(command[0]): \(String(cString: strerror(status)))")
        }
        return WorkerProcess(pid: pid, channel: daemonEnd)
    }

    /// Calls answered so far.
    var callCount: Int { calls.load(ordering: .relaxed) }

    /// Sends one call and reads its answer; a thrown error means the worker cannot be
    /// trusted with another call.
    func run(_ call: PythonUnitCall, id: UInt64) throws(FrameError) -> Result<UnitOutput, UnitFailure> {
        try channel.send(.call(id: id, call))
        guard case .answer(let answeredID, let outcome) = try channel.receive(), answeredID == id else {
            throw .malformed("expected the answer to call \(id)")
        }
        calls.add(1, ordering: .relaxed)
        return outcome
    }

    func waitUntilReady() throws(FrameError) {
        let message = try channel.receive()
        guard message == .ready else { throw .malformed("expected the ready message") }
    }

    /// SIGKILL, unless it was already waited for. Never blocks: safe from any thread.
    func kill() {
        ended.withLock { ended in
            if ended == nil { _ = Glibc.kill(pid, SIGKILL) }
        }
    }

    /// How it ended, if it has: checked without waiting (and reaped if it has ended).
    func exitIfEnded() -> WorkerExit? {
        ended.withLock { ended in
            if ended == nil { ended = waitForExit(blocking: false) }
            return ended
        }
    }

    /// Stops it and waits for it: at once with SIGKILL, or after closing its socket and
    /// `grace` for it to leave on its own.
    @discardableResult
    func stop(grace: Duration = .zero) -> WorkerExit {
        channel.close()
        let giveUp = ContinuousClock.now + grace
        while ContinuousClock.now < giveUp {
            if let exit = exitIfEnded() { return exit }
            usleep(10_000)
        }
        return ended.withLock { ended in
            if let ended { return ended }
            _ = Glibc.kill(pid, SIGKILL)
            // Killed, so this wait is short.
            let exit = waitForExit(blocking: true) ?? .killed(SIGKILL)
            ended = exit
            return exit
        }
    }

    private func waitForExit(blocking: Bool) -> WorkerExit? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, blocking ? 0 : WNOHANG)
            if result == pid { return WorkerExit(waitStatus: status) }
            if result < 0 && errno == EINTR { continue }
            // 0: still running; -1 (ECHILD): someone else reaped it, which only a bug could do.
            return result < 0 ? .exited(-1) : nil
        }
    }

    /// Resident memory in bytes, from /proc; nil once it is gone.
    func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return nil }
        let kilobytes = line.split(separator: " ").dropFirst().first.flatMap { Int($0) }
        return kilobytes.map { $0 * 1024 }
    }
}
