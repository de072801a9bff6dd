/// The properties a unit accepts, as `key=regex;key=regex`, checked before each call
/// the way the engine checks them when an admin edits a policy (java.util.regex's dialect,
/// matched in linear time: see `PropertyRegex`).
public struct PropertyRules: Sendable {
    public struct Rule: Sendable {
        public let key: String
        public let pattern: String
        let regex: PropertyRegex
    }

    public struct InvalidPattern: Error, Sendable, CustomStringConvertible {
        public var key: String
        public var pattern: String
        public var reason: String
        public var description: String { "the regex for property '\(key)' does not compile: \(pattern) (\(reason))" }
    }

    public let rules: [Rule]

    public static let none = PropertyRules(rules: [])

    private init(rules: [Rule]) {
        self.rules = rules
    }

    public init(parsing map: String) throws(InvalidPattern) {
        var rules: [Rule] = []
        for (key, pattern) in Self.pairs(map) {
            do {
                rules.append(Rule(key: key, pattern: pattern, regex: try PropertyRegex(pattern)))
            } catch {
                throw InvalidPattern(key: key, pattern: pattern, reason: error.message)
            }
        }
        self.rules = rules
    }

    /// Splits `key=value;key=value`; blank entries are skipped, the first `=` separates.
    public static func pairs(_ map: String) -> [(String, String)] {
        map.split(separator: ";").compactMap { entry in
            guard let equals = entry.firstIndex(of: "=") else {
                let key = entry.trimmingWhitespace()
                return key.isEmpty ? nil : (String(key), "")
            }
            let key = entry[..<equals].trimmingWhitespace()
            guard !key.isEmpty else { return nil }
            return (String(key), String(entry[entry.index(after: equals)...].trimmingWhitespace()))
        }
    }

    /// At most how many matcher steps checking these properties takes (a property that
    /// is not sent is checked in its default).
    public func checkSteps(_ properties: [String: String], defaults: [String: String]) -> Int {
        rules.reduce(0) { total, rule in
            guard let value = properties[rule.key] ?? defaults[rule.key] else { return total }
            return total + (value.utf8.count + 1) * rule.regex.steps
        }
    }

    /// The first property whose value the unit's regex does not accept, as a message.
    /// Matching is linear in the value (see `PropertyRegex`), whatever the pattern.
    /// Past `deadline`, the message says so.
    public func violation(in properties: [String: String], deadline: RequestDeadline? = nil) -> String? {
        for rule in rules {
            guard let value = properties[rule.key] else { continue }
            guard let matches = rule.regex.matchesWhole(value, deadline: deadline) else {
                return "\(deadline?.message ?? "timed out") while property '\(rule.key)' was being checked"
            }
            if !matches {
                return "property '\(rule.key)' is '\(value)', which does not match '\(rule.pattern)'"
            }
        }
        return nil
    }
}
