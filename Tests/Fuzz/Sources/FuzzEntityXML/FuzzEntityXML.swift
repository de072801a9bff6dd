// libFuzzer target for the host and VM XML reader: what the engine or an inventory sends about
// hosts and VMs, read with libxml2's SAX events into `EntityElement` trees.
//
// Each input is read twice with one reader, as a request's documents share it, then a known
// document is read with the same reader: a failure must say where and must not spill into the
// next document. A tree that was read is searched by a requirement and a rank, as the built-in
// units do. Broken properties trap, which libFuzzer reports as a crash and saves the input for.
import Scheduling

private let known =
    "<hosts><host id='h1'><name>one</name><cpu><topology cores='4'/></cpu></host><host id='h2'/></hosts>"

private let requirementText = "name = \"*\" | cores > 1 | ID @> 3 | !(status/state = up)"
private let rankText = "cores * 2 + max_scheduling_memory / 1024 - FREE_CPU"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    var reader = EntityXMLReader(limits: EntityXMLLimits(maxBytes: 1 << 20, maxDepth: 32, maxElements: 5_000))
    var first: Result<EntityElement, EntityXMLError>?
    for _ in 0..<2 {
        let outcome = Result { () throws(EntityXMLError) in try reader.parse(bytes) }
        if case .failure(let error) = outcome {
            precondition(!error.message.isEmpty && error.line >= 0, "an error that says nothing: \(error)")
        }
        if let first {
            precondition(first == outcome, "the same bytes read twice by one reader gave different results")
        }
        first = outcome
    }
    if case .success(let root) = first {
        // Parsed per input, not held in globals: LeakSanitizer cannot see the pointers that
        // Swift packs into an indirect enum's spare bits, and would report the trees as leaked.
        let requirement = try! Requirement(parsing: requirementText)
        let rank = try! Rank(parsing: rankText)
        _ = requirement.isSatisfied(by: root)
        _ = rank.value(for: root)
        for child in root.children {
            _ = requirement.isSatisfied(by: child)
        }
    }
    let after = try! reader.entities(in: known)
    precondition(after.map(\.id) == ["h1", "h2"], "a document spilled into the next one read")
    precondition(after[0].element.child("name")?.text == "one", "a document spilled into the next one read")
    return 0
}
