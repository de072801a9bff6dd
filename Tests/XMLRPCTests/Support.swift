import XMLRPC

/// The namespace Apache XML-RPC declares for its extension types.
let apacheExtensions = "http://ws.apache.org/xmlrpc/namespaces/extensions"

func decodeCall(_ xml: String, limits: XMLRPCDecodingLimits = .default) throws(XMLRPCDecodingError) -> XMLRPCMethodCall
{
    try XMLRPCDecoder.decodeMethodCall(Array(xml.utf8), limits: limits)
}

/// The params of a call whose params are written out as given.
func decodeParams(_ params: String) throws(XMLRPCDecodingError) -> [XMLRPCValue] {
    try decodeCall("<methodCall><methodName>m</methodName><params>\(params)</params></methodCall>").params
}

/// The one value of a call that sends `value` (a whole `<value>` element).
func decodeValue(_ value: String) throws(XMLRPCDecodingError) -> XMLRPCValue? {
    try decodeParams("<param>\(value)</param>").first
}

func callError(_ body: [UInt8], limits: XMLRPCDecodingLimits = .default) -> XMLRPCDecodingError? {
    do {
        _ = try XMLRPCDecoder.decodeMethodCall(body, limits: limits)
        return nil
    } catch {
        return error
    }
}

func callError(_ xml: String, limits: XMLRPCDecodingLimits = .default) -> XMLRPCDecodingError? {
    callError(Array(xml.utf8), limits: limits)
}

func valueError(_ value: String, limits: XMLRPCDecodingLimits = .default) -> XMLRPCDecodingError? {
    callError(
        "<methodCall><methodName>m</methodName><params><param>\(value)</param></params></methodCall>", limits: limits)
}

/// Encodes `value` as a response and decodes it back.
func roundTrip(_ value: XMLRPCValue) throws(XMLRPCDecodingError) -> XMLRPCResponse {
    try XMLRPCDecoder.decodeMethodResponse(XMLRPCEncoder.encodeResponse(value))
}

func text(_ bytes: [UInt8]) -> String {
    String(decoding: bytes, as: UTF8.self)
}

func responseError(_ xml: String) -> XMLRPCDecodingError? {
    do {
        _ = try XMLRPCDecoder.decodeMethodResponse(Array(xml.utf8))
        return nil
    } catch {
        return error
    }
}
