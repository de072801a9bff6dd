import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// systemd's watchdog (`WatchdogSec=` in the unit): while every event loop runs a task
/// it is given, the daemon answers HTTP (`/healthz` would say so), and systemd is told
/// `WATCHDOG=1` at a third of the interval. Event loops that stop answering stop the
/// pings, and systemd restarts the daemon. Does nothing when the unit sets no watchdog.
enum SystemdWatchdog {
    /// The interval systemd asked for, when it asked this process.
    static var interval: Duration? {
        guard let text = getenv("WATCHDOG_USEC").map({ String(cString: $0) }), let micros = Int64(text), micros > 0
        else { return nil }
        if let pid = getenv("WATCHDOG_PID").map({ String(cString: $0) }), pid != String(getpid()) { return nil }
        return .microseconds(micros)
    }

    /// Pings until cancelled, as long as each of `group`'s event loops runs a task within the interval.
    static func feed(_ group: any EventLoopGroup, every interval: Duration) async {
        let period = interval / 3
        while !Task.isCancelled {
            var answering = true
            for loop in group.makeIterator() {
                // A wedged loop runs neither the task nor the timer: this waits, and the pings stop.
                if await !loop.submit {}.completed(within: TimeAmount(period)) { answering = false }
            }
            if answering { SystemdReadiness.notify("WATCHDOG=1") }
            try? await Task.sleep(for: period)
        }
    }
}
