/// Text that came from a request (unit names, property values, host ids, plugin errors that
/// quote them), made fit for one log line: cut to a bounded length, with its full size said,
/// and with line breaks and other control characters escaped so that a request cannot
/// forge log lines. Every log line that quotes a request goes through this.
///
/// `logText("x" * 10_485_760)` is 256 `x`s followed by `…(10485760 bytes)`.
public func logText(_ text: some StringProtocol, limit: Int = LogText.defaultLimit) -> String {
    var shown = ""
    var byteCount = 0
    var cut = false
    for character in text.unicodeScalars {
        let escaped = LogText.escaped(character)
        guard byteCount + escaped.utf8.count <= limit else {
            cut = true
            break
        }
        shown += escaped
        byteCount += escaped.utf8.count
    }
    return cut ? "\(shown)…(\(text.utf8.count) bytes)" : shown
}

/// `logText` for each of a list of values (host ids, unit names), the list itself bounded too.
public func logText(list values: some Collection<String>, limit: Int = LogText.defaultLimit) -> String {
    let shown = values.prefix(LogText.listLimit).map { "'\(logText($0, limit: limit))'" }
    let more = values.count > shown.count ? ", and \(values.count - shown.count) more" : ""
    return "[\(shown.joined(separator: ", "))\(more)]"
}

public enum LogText {
    /// Bytes of a value that a log line shows; enough to recognise an id, a name or an error.
    public static let defaultLimit = 256
    /// Values of a list that a log line shows.
    public static let listLimit = 5

    static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": "\\n"
        case "\r": "\\r"
        case "\t": "\\t"
        case _
        where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}"
            || scalar == "\u{2029}":
            "\\u{\(String(scalar.value, radix: 16))}"
        default: String(scalar)
        }
    }
}
