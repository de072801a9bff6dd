extension PropertyRegex {
    /// Whether the whole of `value` matches, as Java's `Pattern.matches`; nil when
    /// `deadline` passed first (checked every 1024 characters).
    func matchesWhole(_ value: String, deadline: RequestDeadline? = nil) -> Bool? {
        let scalars = Array(value.unicodeScalars)
        var current = StateSet(count: program.count)
        var next = StateSet(count: program.count)
        add(0, at: 0, in: scalars, to: &current)
        for index in scalars.indices {
            if current.states.isEmpty { return false }
            if index % 1024 == 1023, let deadline, deadline.hasPassed { return nil }
            next.clear()
            for state in current.states {
                if case .character(let test) = program[state], test.accepts(scalars[index]) {
                    add(state + 1, at: index + 1, in: scalars, to: &next)
                }
            }
            swap(&current, &next)
        }
        return current.states.contains { if case .match = program[$0] { true } else { false } }
    }

    /// Adds `state` and every state reached from it without reading a character.
    private func add(_ state: Int, at index: Int, in scalars: [Unicode.Scalar], to set: inout StateSet) {
        var pending = [state]
        while let state = pending.popLast() {
            guard set.insert(state) else { continue }
            switch program[state] {
            case .jump(let target): pending.append(target)
            case .split(let first, let second): pending.append(contentsOf: [second, first])
            case .assertion(let assertion):
                if holds(assertion, at: index, in: scalars) { pending.append(state + 1) }
            case .character, .match: break
            }
        }
    }

    private func holds(_ assertion: Assertion, at index: Int, in scalars: [Unicode.Scalar]) -> Bool {
        switch assertion {
        case .start: return index == 0
        case .end: return index == scalars.count
        case .endBeforeFinalTerminator:
            if index == scalars.count { return true }
            let rest = scalars[index...]
            return (rest.count == 1 && CharacterTest.isLineTerminator(rest.first!))
                || (rest.count == 2 && rest.first == "\r" && rest.last == "\n")
        case .wordBoundary, .notWordBoundary:
            let before = index > 0 && CharacterTest.isWord(scalars[index - 1])
            let after = index < scalars.count && CharacterTest.isWord(scalars[index])
            return (before != after) == (assertion == .wordBoundary)
        }
    }
}

/// A sparse set of program states: insertion order kept, membership in constant time.
private struct StateSet {
    var states: [Int] = []
    var generation: [Int]
    var current = 1

    init(count: Int) {
        generation = [Int](repeating: 0, count: count)
    }

    mutating func clear() {
        states.removeAll(keepingCapacity: true)
        current += 1
    }

    mutating func insert(_ state: Int) -> Bool {
        if generation[state] == current { return false }
        generation[state] = current
        states.append(state)
        return true
    }
}
