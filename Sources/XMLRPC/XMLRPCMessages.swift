/// A decoded `<methodCall>`.
public struct XMLRPCMethodCall: Sendable, Equatable {
    public var methodName: String
    public var params: [XMLRPCValue]

    public init(methodName: String, params: [XMLRPCValue] = []) {
        self.methodName = methodName
        self.params = params
    }
}

/// An XML-RPC fault: what a server answers instead of a value when a call fails.
public struct XMLRPCFault: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }

    // The codes of the "specification for fault code interoperability" that Python's and Apache's
    // servers use too, so clients can tell a bad request from a failed method.
    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603

    public var description: String { "fault \(code): \(message)" }
}

/// A decoded `<methodResponse>`: one value, or a fault.
public enum XMLRPCResponse: Sendable, Equatable {
    case success(XMLRPCValue)
    case fault(XMLRPCFault)
}
