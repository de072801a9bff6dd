internal import XMLSAX

extension MessageBuilder: SAXEvents {
    // XML-RPC elements carry no attributes the decoder reads.
    mutating func startElement(
        localName: UnsafePointer<UInt8>, prefix: UnsafePointer<UInt8>?, attributes: SAXAttributes
    ) throws(Problem) {
        try startElement(localName: localName, prefix: prefix)
    }

    static func build(
        _ root: Root, from body: UnsafeRawBufferPointer, limits: XMLRPCDecodingLimits
    ) -> Result<MessageBuilder, XMLRPCDecodingError> {
        var builder = MessageBuilder(root: root, limits: limits)
        do throws(SAXFailure<Problem>) {
            try SAXParser().parse(body, into: &builder)
        } catch {
            return .failure(XMLRPCDecodingError(error))
        }
        do throws(Problem) {
            try builder.checkFinished()
        } catch {
            return .failure(XMLRPCDecodingError(kind: error.kind, message: error.message, line: 1, column: 1))
        }
        return .success(builder)
    }
}

extension XMLRPCDecodingError {
    fileprivate init(_ failure: SAXFailure<MessageBuilder.Problem>) {
        let (kind, message): (Kind, String) =
            switch failure.reason {
            case .empty: (.malformedXML, "Document is empty")
            case .tooLarge: (.limitExceeded, "the body is larger than 2 GiB")
            case .limitExceeded(let message): (.limitExceeded, message)
            case .doctype: (.notXMLRPC, "DOCTYPE is not allowed in XML-RPC")
            case .malformed(let message): (.malformedXML, message)
            case .refused(let problem): (problem.kind, problem.message)
            }
        self.init(kind: kind, message: message, line: failure.line, column: failure.column)
    }
}
