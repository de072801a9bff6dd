// libFuzzer target for the XML-RPC decoder: any body may be rejected, none may crash it.
//
// Each input is decoded as a call and as a response, with the default limits and with tight ones,
// and what decodes is encoded and decoded again. Broken properties trap, which libFuzzer reports as
// a crash and saves the input for.
import XMLRPC

/// Small enough that short inputs reach both limit checks.
private let tightLimits = XMLRPCDecodingLimits(maxDepth: 2, maxElements: 24)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    // libFuzzer's buffer is exactly `count` bytes, so AddressSanitizer sees any read past the body.
    let body = UnsafeRawBufferPointer(start: start, count: count)
    checkMethodCall(body)
    checkMethodResponse(body)
    return 0
}

private func checkMethodCall(_ body: UnsafeRawBufferPointer) {
    let decoded = Result { () throws(XMLRPCDecodingError) in try XMLRPCDecoder.decodeMethodCall(body) }
    // The collection overload, which the server uses, with the limits.
    let bounded = Result { () throws(XMLRPCDecodingError) in
        try XMLRPCDecoder.decodeMethodCall(Array(body), limits: tightLimits)
    }
    checkLimits(decoded, bounded)
    guard case .success(let call) = decoded else { return }
    let encoded = XMLRPCEncoder.encodeMethodCall(call)
    let again = Result { () throws(XMLRPCDecodingError) in try XMLRPCDecoder.decodeMethodCall(encoded) }
    guard case .success(let reread) = again, reread == call else {
        fail("the call changed when encoded and decoded again", call, again, encoded)
    }
}

private func checkMethodResponse(_ body: UnsafeRawBufferPointer) {
    let decoded = Result { () throws(XMLRPCDecodingError) in try XMLRPCDecoder.decodeMethodResponse(body) }
    let bounded = Result { () throws(XMLRPCDecodingError) in
        try XMLRPCDecoder.decodeMethodResponse(Array(body), limits: tightLimits)
    }
    checkLimits(decoded, bounded)
    guard case .success(let response) = decoded else { return }
    let encoded =
        switch response {
        case .success(let value): XMLRPCEncoder.encodeResponse(value)
        case .fault(let fault): XMLRPCEncoder.encodeFault(fault)
        }
    let again = Result { () throws(XMLRPCDecodingError) in try XMLRPCDecoder.decodeMethodResponse(encoded) }
    guard case .success(let reread) = again, reread == response else {
        fail("the response changed when encoded and decoded again", response, again, encoded)
    }
}

/// Limits only ever stop a decode early: what the tight limits accept, the default ones accept
/// identically, and an error they report that is not about a limit is the default decode's error too.
private func checkLimits<Message: Equatable>(
    _ decoded: Result<Message, XMLRPCDecodingError>, _ bounded: Result<Message, XMLRPCDecodingError>
) {
    if case .failure(let error) = decoded { checkError(error) }
    if case .failure(let error) = bounded { checkError(error) }
    switch (decoded, bounded) {
    case (.success(let message), .success(let boundedMessage)) where message == boundedMessage:
        return
    case (.success, .failure(let error)) where error.kind == .limitExceeded:
        return
    case (.failure, .failure(let error)) where error.kind == .limitExceeded:
        return
    case (.failure(let error), .failure(let boundedError)) where error == boundedError:
        return
    default:
        fatalError("tight limits changed the outcome: \(decoded) with the default limits, \(bounded) with tight ones")
    }
}

private func checkError(_ error: XMLRPCDecodingError) {
    guard !error.message.isEmpty, error.line >= 0, error.column >= 0 else {
        fatalError("an error without a message or with a negative position: \(error)")
    }
    // What the server answers with: building it must not trap either.
    _ = XMLRPCEncoder.encodeFault(error.fault)
}

private func fail<Message>(
    _ what: String, _ original: Message, _ again: Result<Message, XMLRPCDecodingError>, _ encoded: [UInt8]
) -> Never {
    fatalError(
        """
        \(what)
        decoded: \(original)
        encoded: \(String(decoding: encoded, as: UTF8.self))
        decoded again: \(again)
        """)
}
