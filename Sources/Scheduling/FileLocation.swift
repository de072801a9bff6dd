/// A place in a text file (a plugin, its .conf, scheduler.conf), written the way compilers write
/// it so that editors and terminals can jump to it. The one formatter of `file:line: message`.
public struct FileLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem has no line (an unreadable file, a bad .conf value).
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or `file` alone when there is no line.
    public var description: String {
        line > 0 ? "\(file):\(line)" : file
    }

    /// `file:line: message`, or `file: message` when there is no line.
    public func describe(_ message: String) -> String {
        "\(self): \(message)"
    }
}
