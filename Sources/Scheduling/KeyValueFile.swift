/// `key = value` lines with `#` comments and ignored `[section]` headers: the
/// format of `scheduler.conf` and of the per-plugin `NAME.conf` files.
public struct KeyValueFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var text: String
        public var description: String { "line \(line): expected 'key = value', got '\(text)'" }
    }

    public var entries: [Entry]

    public init(parsing text: String) throws(SyntaxError) {
        var entries: [Entry] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") { continue }
            // Values such as regex maps contain '=', so only the first one separates.
            guard let equals = line.firstIndex(of: "=") else {
                throw SyntaxError(line: lineNumber, text: String(line))
            }
            let key = line[..<equals].trimmingWhitespace()
            guard !key.isEmpty else { throw SyntaxError(line: lineNumber, text: String(line)) }
            let value = line[line.index(after: equals)...].trimmingWhitespace()
            entries.append(Entry(key: String(key), value: String(value), line: lineNumber))
        }
        self.entries = entries
    }

    /// The last value given for `key`.
    public subscript(key: String) -> String? {
        entries.last { $0.key == key }?.value
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = firstIndex(where: { !isSpace($0) }) else { return self[endIndex...] }
        let last = lastIndex(where: { !isSpace($0) })!
        return self[first...last]
    }
}
