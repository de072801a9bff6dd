/// A plugin file (or one of its units) that could not be loaded.
public struct PluginLoadError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public var file: String
    /// 0 when the problem has no line (an unreadable file, a bad .conf value).
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, the form compilers use, so editors can jump to it.
    public var description: String {
        FileLocation(file: file, line: line).describe(message)
    }
}
