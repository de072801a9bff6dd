/// Hears of calls that left their pool thread stuck: the call passed its deadline and
/// was still running half a second after it was interrupted, blocked where the
/// interruption cannot reach it (a lock, a sleep or I/O in C). Its thread stays out of
/// the pool's count until it comes back, so whoever makes the calls must stop making
/// ones that keep getting stuck.
public protocol StuckCallObserver: Sendable {
    /// The call's thread is stuck; told once per call, on the interrupter's thread.
    func callStuck()
    /// A call `callStuck` was told of has returned, and its thread rejoined the pool.
    func stuckCallReturned()
}
