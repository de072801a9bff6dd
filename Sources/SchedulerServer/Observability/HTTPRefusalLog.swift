import Logging
import Metrics
import NIOHTTP1

/// A request refused at the HTTP level (malformed, too large, too slow, wrong path or
/// method), before any XML-RPC method ran: logged at info with its reason, and counted
/// by status code in `scheduler_proxy_http_refusals_total`.
enum HTTPRefusalLog {
    static func record(_ status: HTTPResponseStatus, client: String?, reason: String, logger: Logger) {
        Counter(label: MetricCatalog.httpRefusals, dimensions: [("code", String(status.code))]).increment()
        logger.info(
            "HTTP request refused",
            metadata: [
                "status": .stringConvertible(Int(status.code)), "client": .string(client ?? "-"),
                "reason": .string(reason),
            ])
    }
}
