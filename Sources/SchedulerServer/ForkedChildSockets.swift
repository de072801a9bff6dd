import NIOCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Keeps the daemon's listening socket and its clients' connections out of processes that a
/// plugin forks (`os.fork()`, `multiprocessing`). Close-on-exec covers a child that runs
/// another program, but a forked child that goes on running Python would keep the port:
/// after the daemon exits, nothing answers on it and a restart cannot bind it.
///
/// A `pthread_atfork` child handler closes them in the child. The child has a single thread
/// and may only make async-signal-safe calls, so nothing here allocates or takes a lock: the
/// handler reads two atomics and, for each descriptor up to the highest the server has
/// accepted, asks the kernel whether it is a socket on the daemon's port (`getsockname`,
/// async-signal-safe) and closes it if so. That finds the listening socket and every
/// accepted connection, and nothing else: connections the daemon or a plugin made to
/// other servers have another local port.
enum ForkedChildSockets {
    /// The port the daemon listens on; 0 until it listens.
    private static let port = Atomic<Int>(0)
    /// The highest descriptor the server has used for a socket.
    private static let highestDescriptor = Atomic<CInt>(-1)
    private static let handlerInstalled = Atomic<Bool>(false)

    /// Called once the listening socket is bound.
    static func protect(listening descriptor: CInt, port: Int) {
        Self.port.store(port, ordering: .sequentiallyConsistent)
        remember(descriptor)
        guard
            handlerInstalled.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent)
                .exchanged
        else { return }
        pthread_atfork(nil, nil, closeTheServersSocketsInAForkedChild)
    }

    /// An accepted connection's descriptor: made close-on-exec, and within the child handler's reach.
    static func remember(_ descriptor: CInt) {
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
        highestDescriptor.max(descriptor, ordering: .sequentiallyConsistent)
    }

    fileprivate static func closeInChild() {
        let port = Self.port.load(ordering: .sequentiallyConsistent)
        let highest = highestDescriptor.load(ordering: .sequentiallyConsistent)
        guard port > 0, highest >= 0 else { return }
        // A connection accepted just before the fork may not be remembered yet; it got the lowest
        // free descriptor, so a small margin above the highest one reaches it.
        for descriptor in 0...(highest + 64) where localPort(of: descriptor) == port {
            close(descriptor)
        }
    }

    /// The local TCP port of a socket descriptor; nil for anything else.
    private static func localPort(of descriptor: CInt) -> Int? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { return nil }
        switch CInt(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin_port))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    Int(UInt16(bigEndian: $0.pointee.sin6_port))
                }
            }
        default:
            return nil
        }
    }
}

private func closeTheServersSocketsInAForkedChild() {
    ForkedChildSockets.closeInChild()
}
