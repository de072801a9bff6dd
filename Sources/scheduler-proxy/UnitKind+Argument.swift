import ArgumentParser
import Scheduling

// `run filter|score|balance`: the command line names the kinds by their raw values, as the engine
// does. Here because the executable is the one target that knows both Scheduling and ArgumentParser.
extension UnitKind: ExpressibleByArgument {}
