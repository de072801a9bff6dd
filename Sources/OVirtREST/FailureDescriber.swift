import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns what went wrong into a sentence naming the request and, where one is likely, the
/// setting to check: the reader of these messages is an operator, not a NIO developer.
struct FailureDescriber: Sendable {
    var request: SearchRequest
    var engine: EngineAddress
    var caFile: String?

    private var prefix: String { "GET \(request.shown)" }

    func status(_ response: HTTPResponseHead, body: [UInt8]) -> OVirtRESTError {
        let code = response.status.code
        var message = "\(prefix): HTTP \(code) \(response.status.reasonPhrase)"
        switch code {
        case 300..<400:
            let location = response.headers.first(name: "Location") ?? "nowhere"
            message += ", redirected to \(location) (redirects are not followed: set ovirt_url to the final address)"
        case 401:
            message += " (check ovirt_user and ovirt_password_file)"
        case 403:
            message += " (ovirt_user may not read the engine's \(request.collection.rawValue))"
        case 404:
            message += " (check ovirt_url: it should be the API root, e.g. https://engine.example/ovirt-engine/api)"
        default:
            if let detail = Self.faultDetail(body) { message += ": \(detail)" }
        }
        return OVirtRESTError(.httpStatus(Int(code)), message)
    }

    func tooLarge(_ limit: Int) -> OVirtRESTError {
        OVirtRESTError(.responseTooLarge, "\(prefix): response larger than \(spokenBytes(limit))")
    }

    func closedEarly(answered: Bool) -> OVirtRESTError {
        var what = answered ? "before the response was complete" : "without answering"
        // What a TLS server does with a plain-text request, so the likeliest cause.
        if !answered && !engine.usesTLS { what += " (does \(engine.endpoint) expect https?)" }
        return OVirtRESTError(.protocolViolation, "\(prefix): the engine closed the connection \(what)")
    }

    func connectFailure(_ error: any Error) -> OVirtRESTError {
        let target = "\(prefix): cannot connect to \(engine.endpoint)"
        switch error {
        case let error as NIOConnectionError:
            if let first = error.connectionErrors.first { return connectFailure(first.error) }
            return OVirtRESTError(.connection, "\(target): host name not found")
        case let error as IOError:
            return OVirtRESTError(.connection, "\(target): \(errnoText(error.errnoCode))")
        case ChannelError.connectTimeout(let amount):
            let seconds = Duration.nanoseconds(amount.nanoseconds)
            return OVirtRESTError(.timeout, "\(target): no answer within \(spoken(seconds))")
        case is NIOSSLError, is NIOSSLExtraError:
            return failure(error)
        default:
            return OVirtRESTError(.connection, "\(target): \(error)")
        }
    }

    func failure(_ error: any Error) -> OVirtRESTError {
        switch error {
        case let error as OVirtRESTError:
            return error
        case NIOSSLError.handshakeFailed(let cause):
            let reason = Self.boringSSLReason(cause)
            if reason == "certificate verify failed" {
                let hint =
                    caFile.map { "is \($0) the CA that signed the engine's certificate?" }
                    ?? "set ovirt_ca_file to the engine's CA, /etc/pki/ovirt-engine/ca.pem on the engine"
                return OVirtRESTError(.tls, "\(prefix): TLS: certificate verify failed (check ovirt_ca_file: \(hint))")
            }
            // What BoringSSL reports when the port answers in plain HTTP.
            let hint = reason == "wrong version number" ? " (does \(engine.endpoint) speak https?)" : ""
            return OVirtRESTError(.tls, "\(prefix): TLS: handshake failed: \(reason)\(hint)")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname:
            return OVirtRESTError(
                .tls,
                "\(prefix): TLS: the engine's certificate is not for \(engine.host) "
                    + "(check the host name in ovirt_url against the certificate)")
        case let error as NIOSSLError:
            return OVirtRESTError(.tls, "\(prefix): TLS: \(error)")
        case let error as NIOSSLExtraError:
            return OVirtRESTError(.tls, "\(prefix): TLS: \(error)")
        case let error as HTTPParserError:
            let hint = engine.usesTLS ? "" : " (does \(engine.endpoint) expect https?)"
            return OVirtRESTError(.protocolViolation, "\(prefix): the answer is not valid HTTP: \(error)\(hint)")
        case let error as IOError:
            return OVirtRESTError(
                .connection, "\(prefix): connection to \(engine.endpoint) failed: \(errnoText(error.errnoCode))")
        default:
            return OVirtRESTError(.protocolViolation, "\(prefix): \(error)")
        }
    }

    /// BoringSSL's reason names (`CERTIFICATE_VERIFY_FAILED`) in plain words.
    private static func boringSSLReason(_ error: BoringSSLError) -> String {
        // An entry reads "Error: 268435581 error:1000007d:SSL routines:OPENSSL_internal:NAME at file:line";
        // the first entry is the root cause.
        guard case .sslError(let stack) = error, let first = stack.first else { return "\(error)" }
        let text = "\(first)"
        guard let start = text.firstRange(of: " error:")?.upperBound else { return text }
        let fields = text[start...].split(separator: ":")
        guard fields.count > 3, let name = fields[3].split(separator: " ").first else { return text }
        return String(name.lowercased().map { $0 == "_" ? " " : $0 })
    }

    /// The `<detail>` (or `<reason>`) of an oVirt `<fault>` document, e.g. a search syntax error.
    private static func faultDetail(_ body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        for tag in ["detail", "reason"] {
            guard let open = text.firstRange(of: "<\(tag)>"),
                let close = text[open.upperBound...].firstRange(of: "</\(tag)>")
            else { continue }
            let detail = text[open.upperBound..<close.lowerBound].drop { $0.isWhitespace }
            if !detail.isEmpty { return String(detail.prefix(300)).trimmingSuffix(while: \.isWhitespace) }
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> String {
        var text = self
        while let last = text.last, predicate(last) { text.removeLast() }
        return text
    }
}

/// `strerror` in the lower case of a sentence's middle: "connection refused".
private func errnoText(_ code: CInt) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
}

func spoken(_ duration: Duration) -> String {
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(Double(milliseconds) / 1000) s"
}

func spokenBytes(_ count: Int) -> String {
    if count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
    if count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
    return "\(count) bytes"
}
