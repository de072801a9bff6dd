import Logging
import Scheduling

/// One line at info for every XML-RPC call once it is answered: what was asked (method,
/// units, hosts, VM), what was answered (hosts out, `result_code`, the fault) and how
/// long it took. Every value a request controls is bounded (`logText`); the keys are
/// the same for every call, so JSON logs can be queried by them.
public struct RequestLog: CallObserver {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func callFinished(_ call: CallSummary) {
        guard logger.logLevel <= .info else { return }
        logger.info("call answered", metadata: Self.metadata(call))
    }

    public static func metadata(_ call: CallSummary) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "method": .string(call.method.map { logText($0, limit: 64) } ?? "-"),
            "duration_ms": .stringConvertible(Self.milliseconds(call.duration)),
        ]
        if let code = call.resultCode { metadata["result_code"] = .stringConvertible(code) }
        if let fault = call.fault {
            metadata["fault_code"] = .stringConvertible(fault.code)
            metadata["fault"] = .string(logText(fault.message))
        }
        if let decision = call.decision {
            metadata["units"] = .string(
                logText(list: decision.units.map(\.name), limit: 64))
            metadata["hosts_in"] = .stringConvertible(decision.hosts.count)
            if let hosts = decision.answer.hosts {
                metadata["hosts_out"] = .stringConvertible(hosts.count)
            } else if let costs = decision.answer.costs {
                metadata["hosts_out"] = .stringConvertible(costs.count)
            } else if let balance = decision.balance {
                metadata["hosts_out"] = .stringConvertible(balance.candidates.count)
            }
            if let vm = decision.vm { metadata["vm"] = .string(logText(vm, limit: 64)) }
            if !decision.answer.pluginErrors.isEmpty {
                metadata["plugin_errors"] = .string(logText(list: decision.answer.pluginErrors.map(\.unit), limit: 64))
            }
        }
        return metadata
    }

    /// Milliseconds with three decimals: short, and exact enough to compare calls.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return ((Double(seconds) * 1e3 + Double(attoseconds) / 1e15) * 1000).rounded() / 1000
    }
}
