import EmbeddedPython

/// A request whose hosts or VM cannot be read: answered as a fault, never guessed at.
public struct RequestError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
