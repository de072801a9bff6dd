import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's listening socket, bound and listening before anything else starts: a busy
/// port is then reported at once, naming the address, before any plugin is imported (a
/// plugin's import can take long or have effects). Connections that arrive before the
/// server runs wait in the kernel's backlog.
public struct ListeningSocket: Sendable {
    let descriptor: CInt
    /// The address bound (its port is the one chosen when 0 was asked for).
    public let address: SocketAddress

    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// How many connections the kernel queues until the daemon accepts them.
    static let backlog: CInt = 256

    public static func bind(host: String, port: Int) throws(Problem) -> ListeningSocket {
        let shown = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        func fail(_ reason: String) -> Problem { Problem(description: "cannot listen on \(shown): \(reason)") }
        let requested: SocketAddress
        do {
            requested = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw fail("\(host) is not an address of this machine or a name that resolves to one")
        }
        // Close-on-exec: worker processes and whatever a plugin runs must not inherit it.
        let descriptor = socket(
            requested.protocol.rawValue, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw fail(Self.reason(errno)) }
        var reuse: CInt = 1
        // Lets a restarted daemon bind while connections of the last one linger in TIME_WAIT.
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<CInt>.size))
        let bound = requested.withSockAddr { address, length in
            Glibc.bind(descriptor, address, socklen_t(length))
        }
        guard bound == 0, listen(descriptor, Self.backlog) == 0 else {
            let error = errno
            close(descriptor)
            throw fail(Self.reason(error))
        }
        var actual = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let address = withUnsafeMutablePointer(to: &actual) { storage in
            storage.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let local = address == 0 ? (try? SocketAddress(actual, host: host)) : nil
        return ListeningSocket(descriptor: descriptor, address: local ?? requested)
    }

    private static func reason(_ error: CInt) -> String {
        switch error {
        case EADDRINUSE: "the address is already in use (another scheduler-proxy, or another program, listens there)"
        case EADDRNOTAVAIL: "the address is not one of this machine's"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        default: String(cString: strerror(error)).lowercased()
        }
    }
}

extension SocketAddress {
    fileprivate init(_ storage: sockaddr_storage, host: String) throws {
        var storage = storage
        switch CInt(storage.ss_family) {
        case AF_INET:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in.self) }
            self = SocketAddress(address, host: host)
        case AF_INET6:
            let address = withUnsafeBytes(of: &storage) { $0.load(as: sockaddr_in6.self) }
            self = SocketAddress(address, host: host)
        default:
            throw SocketAddressError.unsupported
        }
    }
}
