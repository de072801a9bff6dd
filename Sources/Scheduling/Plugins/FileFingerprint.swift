import EmbeddedPython
import Foundation
import Logging

/// What tells a changed plugin file (or its NAME.conf) from an unchanged one without
/// reading it, and everything the decision to load it depends on: the file reached
/// (links followed) with its size, time, mode and owner, and the folders on the way.
struct FileFingerprint: Equatable, Sendable {
    var plugin: FileStatus?
    var config: FileStatus?
    /// Why the file must not be loaded (another user can change it); nil when it may.
    var refusal: String?

    init(plugin path: String, config configPath: String) {
        let walk = PluginPathTrust.walk(path)
        plugin = walk.status
        refusal = walk.refusal
        config = FileStatus(path: configPath)
    }
}
