import Deadlines

/// A plugin call that ran past its deadline. The caller got this error at the
/// deadline; the Python call itself was interrupted (or, when blocked in C,
/// abandoned) and its late result is dropped.
public struct PythonCallTimeout: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "timed out after \(limit.secondsDescription)" }
}

/// A plugin call stopped because the daemon is shutting down: answered at once, and
/// interrupted (or abandoned) as at a deadline.
public struct PythonCallStopped: Error, Sendable, CustomStringConvertible {
    public var description: String { "stopped: the daemon is shutting down" }
}
