import Logging
import Metrics
import NIOCore
import NIOHTTP1

/// A request refused at the HTTP level (malformed, too large, too slow, wrong path or
/// method), before any XML-RPC method ran: logged at info with its reason, and counted
/// by status code in `scheduler_proxy_http_refusals_total`.
enum HTTPRefusalLog {
    static func record(_ status: HTTPResponseStatus, client: SocketAddress?, reason: String, logger: Logger) {
        Counter(label: MetricCatalog.httpRefusals, dimensions: [("code", String(status.code))]).increment()
        logger.info(
            "HTTP request refused",
            metadata: [
                "status": .stringConvertible(Int(status.code)), "client": .string(client.map(shown) ?? "-"),
                "reason": .string(reason),
            ])
    }

    /// `address:port`, without NIO's `[IPv4]host/address:port` decoration.
    static func shown(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return address.description }
        let host = ip.contains(":") ? "[\(ip)]" : ip
        return address.port.map { "\(host):\($0)" } ?? host
    }
}
