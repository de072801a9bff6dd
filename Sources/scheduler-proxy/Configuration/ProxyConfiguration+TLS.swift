import SchedulerServer

extension ProxyConfiguration {
    /// The HTTPS identity `ssl`, `ssl_cert`, `ssl_key` and `ssl_client_ca`
    /// describe, loaded and checked; nil when `ssl` is false.
    func loadTLS() throws(ServerTLS.Problem) -> ServerTLS? {
        guard ssl else { return nil }
        guard let sslCert, let sslKey else {
            throw ServerTLS.Problem(description: "ssl = true needs ssl_cert and ssl_key (PEM files)")
        }
        return try ServerTLS(certificate: sslCert, key: sslKey, clientCA: sslClientCA)
    }
}
