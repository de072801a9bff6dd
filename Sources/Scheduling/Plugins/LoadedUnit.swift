import EmbeddedPython
import Foundation
import Logging

/// One policy unit ready to be called.
public final class LoadedUnit: Sendable {
    public let info: PolicyUnitInfo
    let implementation: Implementation
    let rules: PropertyRules
    let defaults: [String: String]
    let timeout: Duration
    /// A timer's `timer_interval` (from its NAME.conf); nil for every other unit.
    public let timerInterval: Duration?
    /// Set when its calls keep getting stuck; a reload makes a new unit, which lifts it.
    public let quarantine = UnitQuarantine()

    enum Implementation: Sendable {
        /// A plugin's class or function, called on a pool thread with the GIL.
        case python(PythonHandle)
        /// A Python unit this process knows by name only: its runner holds the plugin (a
        /// fake runner in tests of the scheduling rules).
        case pythonElsewhere
        /// Evaluated in Swift, without the GIL.
        case native(NativeUnit)
    }

    init(
        info: PolicyUnitInfo, implementation: Implementation, rules: PropertyRules, defaults: [String: String],
        timeout: Duration, timerInterval: Duration? = nil
    ) {
        self.timerInterval = timerInterval
        self.info = info
        self.implementation = implementation
        self.rules = rules
        self.defaults = defaults
        self.timeout = timeout
    }
}
