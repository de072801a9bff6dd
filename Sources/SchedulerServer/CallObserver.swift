import Scheduling
import XMLRPC

/// One XML-RPC call as it ended: what its log line, its metrics and its journal entry are
/// made of, measured once, where the call is answered.
public struct CallSummary: Sendable {
    /// The method the client asked for, as sent (unbounded: observers bound what they show);
    /// nil when the body could not be read as a method call.
    public var method: String?
    /// From the body's arrival to the encoded answer.
    public var duration: Duration
    /// The envelope's `result_code`; nil when the call was answered with a fault, or the
    /// method (`discover`, introspection) has none.
    public var resultCode: Int?
    /// The fault the call was answered with instead of a result.
    public var fault: XMLRPCFault?
    /// What was decided and why, for the scheduling calls.
    public var decision: DecisionRecord?

    public init(
        method: String?, duration: Duration, resultCode: Int? = nil, fault: XMLRPCFault? = nil,
        decision: DecisionRecord? = nil
    ) {
        self.method = method
        self.duration = duration
        self.resultCode = resultCode
        self.fault = fault
        self.decision = decision
    }
}

/// Told of every XML-RPC call once it is answered: the request log, the metrics, the
/// decision journal. Called on the request's own task after its answer is encoded, so an
/// observer does little and never waits (a journal queues the record for its own thread).
public protocol CallObserver: Sendable {
    func callFinished(_ call: CallSummary)
}
