/// Why a host does not meet SCHED_REQUIREMENTS, in the expression's own terms: the
/// sub-expression that made it false and the values it saw, e.g.
/// `FREE_MEM > 4096 is false (FREE_MEM = 1024)`. OpenNebula only says "It does not
/// fulfill SCHED_REQUIREMENTS".
extension Requirement {
    /// Nil when `element` satisfies the requirement; otherwise why not. One evaluation,
    /// in the order `isSatisfied` evaluates (and short-circuits), so it costs about as much.
    public func explanation(for element: EntityElement, deadline: RequestDeadline? = nil) -> String? {
        guard let condition else { return nil }
        var failing: [Condition] = []
        guard !condition.check(element, deadline, failing: &failing) else { return nil }
        let parts = failing.map { $0.whyFalse(in: element) }
        return HostReason.bounded(parts.joined(separator: ", and "))
    }
}

extension Requirement.Condition {
    /// The conditions an `|` chain may name when all of its alternatives are false.
    static let maxFailing = 3
    /// Characters of an expression an explanation shows.
    static let maxWritten = 120

    /// Whether it holds; when it does not, `failing` holds the conditions that made it false.
    func check(_ element: EntityElement, _ deadline: RequestDeadline?, failing: inout [Self]) -> Bool {
        switch self {
        case .comparison(let path, let comparison):
            let holds = comparison.holds(for: path, in: element, deadline: deadline)
            if !holds { failing = [self] }
            return holds
        case .negation(let condition):
            var ignored: [Self] = []
            let holds = !condition.check(element, deadline, failing: &ignored)
            if !holds { failing = [self] }
            return holds
        case .sequence(let first, let rest):
            var why: [Self] = []
            var result = first.check(element, deadline, failing: &why)
            for (connective, condition) in rest {
                switch connective {
                case .and:
                    guard result else { continue }
                    var next: [Self] = []
                    result = condition.check(element, deadline, failing: &next)
                    if !result { why = next }
                case .or:
                    guard !result else { continue }
                    var next: [Self] = []
                    result = condition.check(element, deadline, failing: &next)
                    why = result ? [] : Array((why + next).prefix(Self.maxFailing))
                }
            }
            if !result { failing = why }
            return result
        }
    }

    /// "NAME > 4096 is false (NAME = 1024)", for a condition `check` found false.
    func whyFalse(in element: EntityElement) -> String {
        switch self {
        case .comparison(let path, _):
            let seen = path.firstValue(in: element).map { "\(path.name) = \(logText($0, limit: 64))" }
            return "\(written) is false (\(seen ?? "\(path.name) has no value"))"
        case .negation:
            return "\(written) is false"
        case .sequence:
            return "\(written) is false"
        }
    }

    /// The condition as an expression, cut short past `maxWritten` characters.
    var written: String {
        var text = ""
        write(into: &text)
        return text.count > Self.maxWritten ? String(text.prefix(Self.maxWritten)) + "…" : text
    }

    private func write(into text: inout String) {
        guard text.utf8.count <= Self.maxWritten else { return }
        switch self {
        case .comparison(let path, let comparison):
            text += "\(path.name) \(comparison.written)"
        case .negation(let condition):
            text += "!"
            condition.write(into: &text)
        case .sequence(let first, let rest):
            text += "("
            first.write(into: &text)
            for (connective, condition) in rest {
                text += connective == .and ? " & " : " | "
                condition.write(into: &text)
            }
            text += ")"
        }
    }
}

extension Requirement.Comparison {
    /// The operator and the value, as written.
    var written: String {
        switch self {
        case .equal(let operand): "= \(operand.written)"
        case .notEqual(let operand): "!= \(operand.written)"
        case .greater(let number): "> \(Requirement.Operand.number(number).written)"
        case .less(let number): "< \(Requirement.Operand.number(number).written)"
        case .contains(let operand): "@> \(operand.written)"
        }
    }
}

extension Requirement.Operand {
    var written: String {
        switch self {
        case .number(let number):
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .pattern(let pattern):
            pattern.source.allSatisfy { $0.isLetter || $0.isNumber || "_-.:/".contains($0) } && !pattern.source.isEmpty
                ? logText(pattern.source, limit: 64) : "\"\(logText(pattern.source, limit: 64))\""
        }
    }
}
