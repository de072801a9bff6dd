#if canImport(Glibc)
    import Glibc
#endif

/// Tells systemd (`Type=notify`) that the daemon serves, and when it stops: units ordered
/// after it, such as the engine (`Before=ovirt-engine.service`), then start only once the
/// plugins are loaded and the port accepts connections. Does nothing outside systemd.
enum SystemdReadiness {
    /// Sends `READY=1`, with a status line `systemctl status` shows.
    static func ready(status: String) {
        notify("READY=1\nSTATUS=\(status)")
    }

    static func stopping() {
        notify("STOPPING=1")
    }

    /// One datagram to `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace).
    static func notify(_ message: String) {
        guard let path = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !path.isEmpty else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (abstract ? 0 : 1))
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = message.withCString { text in
            withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                    sendto(descriptor, text, strlen(text), Int32(MSG_NOSIGNAL), socketAddress, length)
                }
            }
        }
    }
}
