import ArgumentParser
import Scheduling

// `run filter|score|balance`: the command line names the kinds by their raw values, as the engine
// does. Here because the executable is the one target that knows both Scheduling and ArgumentParser.
// Only the engine's kinds: the hooks (timer, status changes) are the daemon's to call.
extension UnitKind: ExpressibleByArgument {
    public init?(argument: String) {
        guard let kind = UnitKind(rawValue: argument), !kind.isHook else { return nil }
        self = kind
    }

    public static var allValueStrings: [String] { policyKinds.map(\.rawValue) }
}
