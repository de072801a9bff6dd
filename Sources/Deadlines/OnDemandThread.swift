/// A helper thread that starts the first time it is woken, and a lock (with its
/// condition) guarding whatever the thread watches.
package final class OnDemandThread: @unchecked Sendable {
    package let lock = ConditionLock()
    private var started = false

    package init() {}

    /// Runs `change` under the lock, signals the thread when `change` says so, and
    /// starts the thread running `loop` the first time.
    package func wake(changing change: () -> Bool, loop: @escaping @Sendable () -> Void) {
        let start = lock.withLock { () -> Bool in
            if change() { lock.signal() }
            defer { started = true }
            return !started
        }
        if start {
            startDetachedThread(loop)
        }
    }
}
