import Scheduling

/// Label values a request controls (its method name, its unit names), bounded so that a
/// client cannot make a series per value: names the daemon does not serve are all
/// counted under one value.
public enum MetricLabels {
    /// Method names the daemon does not serve.
    public static let otherMethod = "other"
    /// A body that was not a readable method call.
    public static let unreadable = "unreadable"
    /// Unit names the daemon does not serve (or too many names to keep apart).
    public static let unknownUnit = "unknown"
    /// Unit kinds besides the known ones.
    public static let otherKind = "other"

    public static func method(_ name: String?) -> String {
        guard let name else { return unreadable }
        return SchedulerMethods.Method(rawValue: name)?.rawValue ?? otherMethod
    }

    /// The unit kinds of decision records: the three policy unit kinds and matchmaking's two steps.
    public static let kinds: Set<String> = Set(UnitKind.allCases.map(\.rawValue)).union(["requirements", "rank"])

    public static func kind(_ kind: String) -> String {
        kinds.contains(kind) ? kind : otherKind
    }

    /// The outcome of a call: `fault` (answered with an XML-RPC fault), `error`
    /// (`result_code` is not 0) or `ok`.
    public static func outcome(_ call: CallSummary) -> String {
        if call.fault != nil { return "fault" }
        if let code = call.resultCode, code != 0 { return "error" }
        return "ok"
    }
}
