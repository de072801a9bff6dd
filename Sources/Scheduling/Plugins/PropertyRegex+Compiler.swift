extension PropertyRegex {
    /// Turns a `Node` tree into the program that `matchesWhole` runs, at most
    /// `maximumProgramSize` instructions long.
    struct Compiler {
        var program: [PropertyRegex.Instruction] = []

        mutating func append(_ instruction: PropertyRegex.Instruction) throws(PropertyRegex.Refusal) {
            guard program.count < PropertyRegex.maximumProgramSize else {
                throw PropertyRegex.Refusal(
                    message: "the pattern expands to more than \(PropertyRegex.maximumProgramSize) steps (the limit)")
            }
            program.append(instruction)
        }

        mutating func emit(_ node: Node) throws(PropertyRegex.Refusal) {
            switch node {
            case .empty: break
            case .character(let test): try append(.character(test))
            case .assertion(let assertion): try append(.assertion(assertion))
            case .sequence(let items):
                for item in items { try emit(item) }
            case .alternation(let branches):
                // split L1, next; L1: branch; jump end; next: split ...
                var jumps: [Int] = []
                for (index, branch) in branches.enumerated() {
                    if index < branches.count - 1 {
                        let split = program.count
                        try append(.split(split + 1, 0))
                        try emit(branch)
                        jumps.append(program.count)
                        try append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(branch)
                    }
                }
                for jump in jumps { program[jump] = .jump(program.count) }
            case .repetition(let inner, let minimum, let maximum):
                for _ in 0..<minimum { try emit(inner) }
                if let maximum {
                    // Each optional copy: split into it or past all the rest.
                    var splits: [Int] = []
                    for _ in minimum..<maximum {
                        splits.append(program.count)
                        try append(.split(0, 0))
                        try emit(inner)
                    }
                    for split in splits { program[split] = .split(split + 1, program.count) }
                } else {
                    let loop = program.count
                    try append(.split(0, 0))
                    try emit(inner)
                    try append(.jump(loop))
                    program[loop] = .split(loop + 1, program.count)
                }
            }
        }
    }
}
