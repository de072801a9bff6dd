import EmbeddedPython
import Foundation
import Logging

/// One plugin file as the daemon serves it: the version loaded, and what went wrong
/// with it (now or when it was last changed).
public struct PluginFile: Sendable {
    public var path: String
    /// sha256 of the source being served; empty when no version could be read.
    public var sha256: String
    /// When the version being served was loaded; nil when none is.
    public var loadedAt: Date?
    public var errors: [PluginLoadError]
    var units: [LoadedUnit]
    /// Whether the module ran (with or without units): a version worth keeping.
    var servable: Bool
    var fingerprint: FileFingerprint
}
