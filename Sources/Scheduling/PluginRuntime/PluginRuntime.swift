import EmbeddedPython

/// The plugin runtime's Python functions, installed once in the interpreter.
///
/// They live in Python (Sources/Scheduling/PluginRuntime/*.py, embedded in the library)
/// because they are plain Python semantics (exec a module body, find classes, clean
/// docstrings, `ast.literal_eval`) that would be longer and slower to spell out through
/// the C API. Everything around them (threads, deadlines, result checking, aggregation)
/// is in Swift.
final class PluginRuntime: Sendable {
    let loadPlugin: PythonHandle
    let forgetFolderModules: PythonHandle
    let callUnit: PythonHandle
    let parsePrinted: PythonHandle
    let endReasons: PythonHandle
    let entities: PythonEntityFactory

    /// The runtime's files, run in this order in one namespace: a file uses what the files
    /// before it define. Their code's file names start with "<scheduler-proxy", which error
    /// reports skip to name the plugin's own line.
    static let sources: [(file: String, text: [UInt8])] = [
        ("streams.py", PackageResources.streams_py),
        ("entities.py", PackageResources.entities_py),
        ("fresh_modules.py", PackageResources.fresh_modules_py),
        ("plugin_folder.py", PackageResources.plugin_folder_py),
        ("plugin_loading.py", PackageResources.plugin_loading_py),
        ("unit_calls.py", PackageResources.unit_calls_py),
        ("host_reasons.py", PackageResources.host_reasons_py),
    ]

    init(_ gil: borrowing GIL) throws(PythonError) {
        let namespace = gil.emptyDict()
        for source in Self.sources {
            let code = try gil.compile(
                String(decoding: source.text, as: UTF8.self),
                filename: "<scheduler-proxy plugin runtime/\(source.file)>")
            try gil.exec(code, in: namespace)
        }
        func function(_ name: String) throws(PythonError) -> PythonHandle {
            guard let function = try namespace.item(forKey: name) else {
                throw PythonError(message: "plugin runtime has no \(name)")
            }
            return function.shared()
        }
        loadPlugin = try function("load_plugin")
        forgetFolderModules = try function("forget_folder_modules")
        callUnit = try function("call_unit")
        parsePrinted = try function("parse_printed")
        endReasons = try function("end_reasons")
        entities = try PythonEntityFactory(runtimeNamespace: namespace, gil)
        _ = try function("install_streams").bind(gil).call()
    }
}

/// A unit's result as the plugin gave it, checked and turned into Swift values
/// (ids as strings), before any comparison with the request's hosts.
public enum UnitOutput: Sendable, Equatable {
    /// A filter's accepted hosts, and the reasons it gave for hosts it left out
    /// (`reject(host, "reason")`, a built-in unit's failing condition).
    case hosts([String], reasons: [HostReason] = [])
    case scores([(host: String, score: Double)])
    case balance(BalanceDecision?)

    public static func == (left: UnitOutput, right: UnitOutput) -> Bool {
        switch (left, right) {
        case (.hosts(let left, let leftReasons), .hosts(let right, let rightReasons)):
            left == right && leftReasons == rightReasons
        case (.scores(let left), .scores(let right)):
            left.count == right.count && zip(left, right).allSatisfy { $0.host == $1.host && $0.score == $1.score }
        case (.balance(let left), .balance(let right)): left == right
        default: false
        }
    }
}

/// Why a unit's call did not count.
public struct UnitFailure: Error, Sendable, Equatable {
    public var message: String
    /// How the call ended, for decision records and metrics: told where the failure
    /// happens rather than read back from the message.
    public var status: UnitStatus

    public init(message: String, status: UnitStatus = .error) {
        self.message = message
        self.status = status
    }
}

extension PluginRuntime {
    /// Calls one unit with the GIL held and checks its result. Runs on a pool thread.
    /// `ids`: the host id list the units of the same request share, when they are ids.
    func call(
        _ unit: PythonHandle, kind: UnitKind, arguments: UnitArguments, properties: [String: String],
        outputLimit: Int, sharing ids: HostIDList? = nil, _ gil: borrowing GIL
    ) throws(UnitFailure) -> UnitOutput {
        do {
            let builder = entities.builder
            let hostList = try entities.hosts(arguments, sharing: ids, gil)
            // Plugins mostly answer with the very objects they were given: those map back to
            // the request's ids without reading their text.
            let given = try hostList.heldItems()
            let propertyDict = gil.dict(properties.sorted { $0.key < $1.key })
            let callArguments: PyOwned
            if kind == .balance {
                callArguments = try gil.tuple(count: 2) { $0 == 0 ? hostList.retained() : propertyDict.retained() }
            } else {
                let vmObject = try arguments.pythonVM(builder, gil)
                callArguments = try gil.tuple(count: 3) { index in
                    switch index {
                    case 0: hostList.retained()
                    case 1: vmObject.retained()
                    default: propertyDict.retained()
                    }
                }
            }
            let outcome = try callUnit.bind(gil).call(unit.bind(gil), callArguments, gil.int(outputLimit))
            // Taken whatever the call did, so none are left for the thread's next call.
            let reasons = try endReasons.bind(gil).call()
            let streamsReplaced = try outcome.item(at: 4).stringValue()
            if !streamsReplaced.isEmpty {
                // The daemon has put the streams back already; the answer of a call that
                // changed them is not trusted, and the admin learns which unit did it.
                throw UnitFailure(message: streamsReplaced)
            }
            let overflow = try outcome.item(at: 3).stringValue()
            if !overflow.isEmpty {
                throw UnitFailure(message: "the plugin wrote more than \(outputLimit) characters to \(overflow)")
            }
            let errorText = try outcome.item(at: 2).stringValue()
            if !errorText.trimmingWhitespace().isEmpty {
                // The classic proxy's contract: anything on stderr means the call failed.
                throw UnitFailure(message: String(errorText.trimmingWhitespace()))
            }
            var result = try outcome.item(at: 0)
            if result.isNone {
                result = try parsePrinted.bind(gil).call(outcome.item(at: 1), gil.string(kind.rawValue))
            }
            let reader = ResultReader(kind: kind, given: GivenHosts(given.pointers, ids: arguments.hostIDs))
            let output = try reader.read(result)
            if case .hosts(let accepted, _) = output, !reasons.isNone {
                return .hosts(accepted, reasons: try reader.reasons(reasons))
            }
            return output
        } catch let error as UnitFailure {
            throw error
        } catch let error as PythonError {
            throw UnitFailure(message: Self.describe(error), status: error.isDeadline ? .timeout : .error)
        } catch {
            throw UnitFailure(message: "\(error)")
        }
    }

    /// "ValueError: bad value (max_vms.py:12)": what an admin needs to find the fault.
    static func describe(_ error: PythonError) -> String {
        if error.isDeadline { return "interrupted at its deadline" }
        // Says what the plugin did to the streams and what it raised, with the plugin's line.
        if error.typeName == "StreamsReplaced" { return error.message }
        // The deepest frame in plugin code; the runtime's own frames mean nothing to an admin.
        guard let location = error.frames.last(where: { !$0.file.hasPrefix("<scheduler-proxy") }) else {
            return error.description
        }
        let file = location.file.split(separator: "/").last.map(String.init) ?? location.file
        return "\(error.description) (\(FileLocation(file: file, line: location.line)))"
    }
}

/// Checks the shape of what a plugin returned, with messages that say what was wrong.
struct ResultReader {
    var kind: UnitKind
    var given: GivenHosts

    /// Generous, but a generator that never ends must not hang the call.
    private var itemLimit: Int { given.ids.count * 4 + 10_000 }

    func read(_ result: borrowing PyOwned) throws(PythonError) -> UnitOutput {
        switch kind {
        case .filter:
            if result.isNone { throw garbage("nothing (None); a filter returns or prints the accepted host ids") }
            return .hosts(try ids(in: result, what: "filter result"))
        case .score:
            if result.isNone { throw garbage("nothing (None); a score returns or prints (host id, score) pairs") }
            return .scores(try scores(in: result))
        case .balance:
            return try balance(result)
        }
    }

    /// The (host id, reason) pairs `end_reasons` gave, bounded there.
    func reasons(_ pairs: borrowing PyOwned) throws(PythonError) -> [HostReason] {
        var reasons: [HostReason] = []
        try pairs.forEachItem(limit: HostReason.maxCount) { (pair) throws(PythonError) in
            reasons.append(
                HostReason(host: try pair.item(at: 0).stringValue(), reason: try pair.item(at: 1).stringValue()))
        }
        return reasons
    }

    private func garbage(_ detail: String) -> PythonError {
        PythonError(typeName: "", message: "the plugin returned \(detail)")
    }

    // `what` is an autoclosure: it is only spelled out for the error message.
    private func id(
        _ item: borrowing some PythonReference & ~Copyable, what: @autoclosure () -> String
    ) throws(PythonError) -> String {
        if let known = given.id(of: item.pointer) { return known }
        if item.isString { return try item.stringValue() }
        if item.isInteger { return String(try item.int()) }
        throw garbage("a \(item.typeName) as \(what()); expected a host id (str)")
    }

    private func ids(in collection: borrowing PyOwned, what: String) throws(PythonError) -> [String] {
        if collection.isString || collection.isBytes || collection.isDict {
            throw garbage("a \(collection.typeName) as \(what); expected a list of host ids")
        }
        var ids: [String] = []
        do {
            try collection.forEachItem(limit: itemLimit) { (item) throws(PythonError) in
                ids.append(try id(item, what: "an item of the \(what)"))
            }
        } catch let error where error.typeName == "TypeError" && error.message.contains("not iterable") {
            throw garbage("a \(collection.typeName) as \(what); expected a list of host ids")
        }
        return ids
    }

    private func scores(in result: borrowing PyOwned) throws(PythonError) -> [(host: String, score: Double)] {
        var scores: [(host: String, score: Double)] = []
        if result.isDict {
            try result.forEachDictItem { (host, score) throws(PythonError) in
                scores.append((try id(host, what: "a score key"), try number(score)))
            }
            return scores
        }
        if result.isString || result.isBytes {
            throw garbage("a \(result.typeName); expected (host id, score) pairs")
        }
        do {
            try result.forEachItem(limit: itemLimit) { (pair) throws(PythonError) in
                guard !pair.isString, let count = try? pair.count(), count == 2 else {
                    throw garbage("\(pairDescription(pair)) in the score list; expected (host id, score) pairs")
                }
                scores.append((try id(pair.item(at: 0), what: "a score's host"), try number(pair.item(at: 1))))
            }
        } catch let error where error.typeName == "TypeError" && error.message.contains("not iterable") {
            throw garbage("a \(result.typeName); expected (host id, score) pairs")
        }
        return scores
    }

    private func pairDescription(_ item: borrowing PyOwned) -> String {
        let shown = (try? item.repr()).map { $0.count > 60 ? String($0.prefix(60)) + "..." : $0 } ?? "?"
        return "\(shown) (a \(item.typeName))"
    }

    private func number(_ value: borrowing some PythonReference & ~Copyable) throws(PythonError) -> Double {
        guard value.isInteger || value.isFloat else {
            throw garbage("a \(value.typeName) as a score; expected an int or a float")
        }
        let number = try value.number()
        guard number.isFinite else { throw garbage("a score that is not a finite number (\(number))") }
        return number
    }

    private func balance(_ result: borrowing PyOwned) throws(PythonError) -> UnitOutput {
        if result.isNone { return .balance(nil) }
        if result.isString || result.isDict {
            throw garbage("a \(result.typeName); a balance returns (vm id, [host ids]) or None")
        }
        guard let count = try? result.count() else {
            throw garbage("a \(result.typeName); a balance returns (vm id, [host ids]) or None")
        }
        if count == 0 { return .balance(nil) }
        guard count == 2 else {
            throw garbage("\(count) items; a balance returns (vm id, [host ids]) or None")
        }
        let vm = try result.item(at: 0)
        if vm.isNone { return .balance(nil) }
        let vmID = try id(vm, what: "the VM to migrate")
        if vmID.isEmpty { return .balance(nil) }
        let hosts = try ids(in: result.item(at: 1), what: "balance's host list")
        return .balance(BalanceDecision(vm: vmID, hosts: hosts))
    }
}

/// The host objects a unit was given, by identity, with the request's id of each.
final class GivenHosts {
    let pointers: [PythonObjectPointer]
    let ids: [String]
    /// Where the next answered host most likely is: answers usually keep the given order.
    private var next = 0
    private var positions: [PythonObjectPointer: Int]?

    init(_ pointers: [PythonObjectPointer], ids: [String]) {
        self.pointers = pointers
        self.ids = ids
    }

    /// The id of a given host object; nil for any other object.
    func id(of pointer: PythonObjectPointer) -> String? {
        if next < pointers.count, pointers[next] == pointer {
            next += 1
            return ids[next - 1]
        }
        if positions == nil {
            positions = Dictionary(zip(pointers, pointers.indices), uniquingKeysWith: { first, _ in first })
        }
        guard let position = positions?[pointer] else { return nil }
        next = position + 1
        return ids[position]
    }
}
