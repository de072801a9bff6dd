import Foundation

/// Reads one `policies/NAME.conf`: `key = value` lines (the format of the plugins'
/// NAME.conf files), every problem reported with its file and line.
public struct PolicyFile: Sendable {
    /// What the file defines; read whatever its problems, so `discover` can show it.
    public var policy: Policy
    /// Problems with the file itself: syntax, keys, values. A policy with any is not served.
    public var problems: [PluginLoadError] = []
    /// The line each key was given on, for problems found later (an unknown unit).
    var lines: [String: Int] = [:]

    /// The keys a policy file takes; `property.NAME` stands for any property.
    public static let knownKeys = [
        "description", "filters", "cost_functions", "score_normalization", "score_report", "balancer",
        "property.NAME",
    ]
    static let propertyPrefix = "property."
    /// A policy file is a few lines; a larger file is a mistake (a copied disk image).
    static let maxBytes = 1 << 20

    public init(name: String, file: String, text: String, scoring: ScoringSettings) {
        policy = Policy(name: name, file: file, scoring: scoring)
        let parsed: KeyValueFile
        do {
            parsed = try KeyValueFile(parsing: text)
        } catch {
            problems.append(problem(error.line, "expected 'key = value', got '\(logText(error.text))'"))
            return
        }
        for entry in parsed.entries {
            let key = entry.key
            let lineKey = key.hasPrefix(Self.propertyPrefix) ? key : key.lowercased()
            if let first = lines[lineKey] {
                problems.append(problem(entry.line, "'\(logText(key))' is given again (first on line \(first))"))
                continue
            }
            lines[lineKey] = entry.line
            read(entry)
        }
        let unitCount = policy.filters.count + policy.costFunctions.count
        if unitCount > Scheduler.maxUnitsPerRequest {
            problems.append(
                problem(0, "\(unitCount) units: a policy names at most \(Scheduler.maxUnitsPerRequest)"))
        }
    }

    /// Reads the file at `path`, bounded in size; a file that cannot be read is a problem.
    public init(name: String, path: String, scoring: ScoringSettings) {
        let text: String
        // A FIFO or a device named NAME.conf would block the reload that reads it.
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            self.init(name: name, file: path, text: "", scoring: scoring)
            problems.append(problem(0, "cannot read: not a regular file"))
            return
        }
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let data = try handle.read(upToCount: Self.maxBytes + 1) ?? Data()
            guard data.count <= Self.maxBytes else {
                self.init(name: name, file: path, text: "", scoring: scoring)
                problems.append(problem(0, "the file is larger than \(Self.maxBytes) bytes"))
                return
            }
            guard let decoded = String(data: data, encoding: .utf8) else {
                self.init(name: name, file: path, text: "", scoring: scoring)
                problems.append(problem(0, "the file is not UTF-8 text"))
                return
            }
            text = decoded
        } catch {
            self.init(name: name, file: path, text: "", scoring: scoring)
            problems.append(problem(0, "cannot read: \(error.localizedDescription)"))
            return
        }
        self.init(name: name, file: path, text: text, scoring: scoring)
    }

    private mutating func read(_ entry: KeyValueFile.Entry) {
        let value = entry.value
        if entry.key.hasPrefix(Self.propertyPrefix) {
            let property = String(entry.key.dropFirst(Self.propertyPrefix.count))
            guard !property.isEmpty else {
                problems.append(problem(entry.line, "'property.' needs a property name: property.NAME = value"))
                return
            }
            policy.properties[property] = value
            return
        }
        switch entry.key.lowercased() {
        case "description":
            policy.description = value
        case "filters":
            policy.filters = names(entry, "filters")
        case "cost_functions":
            policy.costFunctions = names(entry, "cost_functions").compactMap { weighted($0, entry.line) }
        case "balancer":
            if value.contains(",") || value.contains(" ") {
                problems.append(problem(entry.line, "balancer names one balance unit, got '\(logText(value))'"))
            } else {
                policy.balancer = value.isEmpty ? nil : value
            }
        case "score_normalization":
            if let mode = ScoreNormalization(rawValue: value) {
                policy.scoring.normalization = mode
            } else {
                problems.append(
                    problem(
                        entry.line,
                        "score_normalization must be \(Self.choices(ScoreNormalization.self)), got '\(logText(value))'")
                )
            }
        case "score_report":
            if let mode = ScoreReport(rawValue: value) {
                policy.scoring.report = mode
            } else {
                problems.append(
                    problem(
                        entry.line, "score_report must be \(Self.choices(ScoreReport.self)), got '\(logText(value))'"))
            }
        default:
            problems.append(
                problem(
                    entry.line,
                    "unknown key '\(logText(entry.key))' (known: \(Self.knownKeys.joined(separator: ", ")))"))
        }
    }

    /// `a, b, c`: names separated by commas; an empty value names none.
    private mutating func names(_ entry: KeyValueFile.Entry, _ key: String) -> [String] {
        guard !entry.value.isEmpty else { return [] }
        var names: [String] = []
        for (position, part) in entry.value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let name = part.trimmingWhitespace()
            if name.isEmpty {
                problems.append(
                    problem(entry.line, "\(key): name \(position + 1) is empty (names are separated by commas)"))
            } else {
                names.append(String(name))
            }
        }
        return names
    }

    /// `NAME` (weight 1) or `NAME:WEIGHT`, the weight a finite number.
    private mutating func weighted(_ text: String, _ line: Int) -> Policy.CostFunction? {
        guard let colon = text.lastIndex(of: ":") else { return Policy.CostFunction(name: text, weight: 1) }
        let name = String(text[..<colon].trimmingWhitespace())
        let weightText = text[text.index(after: colon)...].trimmingWhitespace()
        guard !name.isEmpty else {
            problems.append(problem(line, "cost_functions: '\(logText(text))' has a weight but no name (NAME:WEIGHT)"))
            return nil
        }
        guard let weight = Double(weightText), weight.isFinite else {
            problems.append(
                problem(
                    line,
                    "cost_functions: the weight of '\(logText(name))' must be a number (NAME:WEIGHT), got '\(logText(weightText))'"
                ))
            return nil
        }
        return Policy.CostFunction(name: name, weight: weight)
    }

    /// Problems with the units the policy names, against those being served: a unit that
    /// does not exist, or exists as another kind.
    public func unitProblems(_ registry: PluginRegistry) -> [PluginLoadError] {
        var found: [PluginLoadError] = []
        for (kind, name) in policy.units where registry.unit(kind, named: name) == nil {
            let key =
                switch kind {
                case .filter: "filters"
                case .score: "cost_functions"
                case .balance: "balancer"
                // A policy names only the engine's kinds of unit.
                case .timer, .vmStatusChanged, .hostStatusChanged: kind.rawValue
                }
            let other = UnitKind.policyKinds.first { registry.unit($0, named: name) != nil }
            let hint = other.map { " ('\(logText(name))' is a \($0.rawValue) unit)" } ?? ""
            found.append(
                problem(lines[key] ?? 0, "\(key): no \(kind.rawValue) unit named '\(logText(name))'\(hint)"))
        }
        return found
    }

    private func problem(_ line: Int, _ message: String) -> PluginLoadError {
        PluginLoadError(file: policy.file, line: line, message: message)
    }

    private static func choices<T: RawRepresentable & CaseIterable>(_: T.Type) -> String where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        return names.dropLast().joined(separator: ", ") + " or " + names.last!
    }
}
