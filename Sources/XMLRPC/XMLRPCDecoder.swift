/// Why a body could not be decoded, and where.
public struct XMLRPCDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// Not well-formed XML: libxml2's own message.
        case malformedXML
        /// Well-formed XML that is not the XML-RPC message expected.
        case notXMLRPC
        /// Nested or sized beyond `XMLRPCDecodingLimits`.
        case limitExceeded
    }

    public var kind: Kind
    public var message: String
    /// 1-based; where the parser was when it noticed, which is at or just after the offending markup.
    public var line: Int
    public var column: Int

    public init(kind: Kind, message: String, line: Int, column: Int) {
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        let what =
            switch kind {
            case .malformedXML: "malformed XML"
            case .notXMLRPC: "not XML-RPC"
            case .limitExceeded: "limit exceeded"
            }
        return "\(what) at line \(line), column \(column): \(message)"
    }

    /// The XML-RPC fault a server answers with: -32700 for malformed XML and exceeded limits,
    /// -32600 for well-formed XML that is not an XML-RPC call.
    public var fault: XMLRPCFault {
        XMLRPCFault(
            code: kind == .notXMLRPC ? XMLRPCFault.invalidRequestCode : XMLRPCFault.parseErrorCode,
            message: description)
    }
}

/// Bounds on what one body may make the decoder build, so a hostile request fails fast instead of
/// exhausting memory or time.
public struct XMLRPCDecodingLimits: Sendable {
    /// How deeply arrays and structs may nest inside one another.
    public var maxDepth: Int
    /// How many elements a body may hold in all.
    public var maxElements: Int

    public init(maxDepth: Int = 128, maxElements: Int = 4_000_000) {
        self.maxDepth = maxDepth
        self.maxElements = maxElements
    }

    public static let `default` = XMLRPCDecodingLimits()
}

/// Decodes XML-RPC bodies with a streaming libxml2 parser that never loads DTDs, expands entities or
/// touches the network.
public enum XMLRPCDecoder {
    public static func decodeMethodCall(
        _ body: some Collection<UInt8>, limits: XMLRPCDecodingLimits = .default
    ) throws(XMLRPCDecodingError) -> XMLRPCMethodCall {
        try withBytes(of: body) { decodeMethodCall($0, limits: limits) }.get()
    }

    public static func decodeMethodCall(
        _ body: UnsafeRawBufferPointer, limits: XMLRPCDecodingLimits = .default
    ) throws(XMLRPCDecodingError) -> XMLRPCMethodCall {
        try decodeMethodCall(body, limits: limits).get()
    }

    public static func decodeMethodResponse(
        _ body: some Collection<UInt8>, limits: XMLRPCDecodingLimits = .default
    ) throws(XMLRPCDecodingError) -> XMLRPCResponse {
        try withBytes(of: body) { decodeMethodResponse($0, limits: limits) }.get()
    }

    public static func decodeMethodResponse(
        _ body: UnsafeRawBufferPointer, limits: XMLRPCDecodingLimits = .default
    ) throws(XMLRPCDecodingError) -> XMLRPCResponse {
        try decodeMethodResponse(body, limits: limits).get()
    }

    private static func decodeMethodCall(
        _ body: UnsafeRawBufferPointer, limits: XMLRPCDecodingLimits
    ) -> Result<XMLRPCMethodCall, XMLRPCDecodingError> {
        MessageBuilder.build(.methodCall, from: body, limits: limits).map { $0.methodCall }
    }

    private static func decodeMethodResponse(
        _ body: UnsafeRawBufferPointer, limits: XMLRPCDecodingLimits
    ) -> Result<XMLRPCResponse, XMLRPCDecodingError> {
        MessageBuilder.build(.methodResponse, from: body, limits: limits).map { $0.response }
    }

    // The closures return a Result because `withContiguousStorageIfAvailable` only rethrows untyped errors.
    private static func withBytes<Decoded>(
        of body: some Collection<UInt8>, _ decode: (UnsafeRawBufferPointer) -> Result<Decoded, XMLRPCDecodingError>
    ) -> Result<Decoded, XMLRPCDecodingError> {
        if let result = body.withContiguousStorageIfAvailable({ decode(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(body).withUnsafeBytes(decode)
    }
}
