import Foundation
import Logging
import Scheduling
import Testing

@Suite struct RegistryTests {
    let registry = SharedScheduler.instance.registry

    @Test func classStyleUnitsAreRegisteredUnderTheClassNameWithCleanedDocstrings() throws {
        let filter = try #require(registry.unit(.filter, named: "classic_print"))
        #expect(
            filter.info.description
                == "Accepts every host but the last one.\n\nPrints its result, as classic plugins do.")
        #expect(filter.info.propertiesRegex == "threshold=[0-9]+;mode=fast|slow")
        #expect(filter.info.file.hasSuffix("classic_print.py"))
        #expect(registry.unit(.score, named: "classic_print") != nil)
        #expect(registry.unit(.balance, named: "classic_print") != nil)
        // A class in the same file is its own unit.
        #expect(registry.unit(.balance, named: "print_pair_balance") != nil)
        #expect(registry.unit(.filter, named: "print_pair_balance") == nil)
    }

    @Test func functionStyleUnitsAreRegisteredUnderTheFileName() throws {
        let filter = try #require(registry.unit(.filter, named: "function_style"))
        #expect(filter.info.description == "Keeps the hosts named in the property 'keep' (comma separated).")
        #expect(filter.info.propertiesRegex == "keep=.*")
        #expect(registry.unit(.score, named: "function_style") != nil)
        #expect(registry.unit(.balance, named: "function_style") != nil)
    }

    @Test func aMethodWithoutDocstringIsDescribedByItsClass() throws {
        let unit = try #require(registry.unit(.score, named: "counter"))
        #expect(unit.info.description == "Counts its calls in a class attribute: fresh per call unless persistent.")
        #expect(registry.unit(.score, named: "persistent_counter")?.info.persistent == true)
        #expect(unit.info.persistent == false)
    }

    @Test func helperModulesWithoutUnitsLoadWithoutErrors() {
        #expect(registry.loadErrors.isEmpty)
        #expect(registry.files.contains { $0.path.hasSuffix("helper_only.py") })
        #expect(!registry.allUnits.contains { $0.info.file.hasSuffix("helper_only.py") })
    }

    @Test func brokenFilesAreReportedWithFileAndLineAndDoNotStopTheOthers() throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        // A second loader over another folder, in the same interpreter.
        let broken = try Scheduler(
            settings: PluginSettings(
                pluginsPath: Fixtures.path("broken-plugins"), pluginsConfPath: Fixtures.path("no-such-conf")),
            pythonThreads: 1, logger: logger
        ).registry
        #expect(broken.unit(.filter, named: "good_filter") != nil)
        let errors = Dictionary(
            broken.loadErrors.map { (($0.file as NSString).lastPathComponent, $0) }, uniquingKeysWith: { a, _ in a })
        #expect(errors.count == 3)
        let syntax = try #require(errors["bad_syntax.py"])
        #expect(syntax.line == 3)
        #expect(syntax.message.contains("syntax error"))
        let missing = try #require(errors["bad_import.py"])
        #expect(missing.line == 3)
        #expect(missing.message.contains("module_that_does_not_exist"))
        let raises = try #require(errors["raises_at_import.py"])
        #expect(raises.line == 5)
        #expect(raises.message.contains("RuntimeError: configuration missing"))
        #expect(syntax.description.hasSuffix("bad_syntax.py:3: \(syntax.message)"))
    }
}

@Suite struct ConfigurationFileTests {
    @Test func keyValueFilesSkipCommentsAndSectionsAndSplitAtTheFirstEquals() throws {
        let file = try KeyValueFile(
            parsing: """
                # a comment
                [scheduler]
                customProperties = a=[0-9]+;b=x|y
                  timeout=5
                """)
        #expect(file["customProperties"] == "a=[0-9]+;b=x|y")
        #expect(file["timeout"] == "5")
        #expect(file.entries.map(\.line) == [3, 4])
    }

    @Test func aLineWithoutEqualsIsASyntaxErrorWithItsLineNumber() {
        let error = #expect(throws: KeyValueFile.SyntaxError.self) {
            try KeyValueFile(parsing: "a = 1\nnonsense\n")
        }
        #expect(error?.line == 2)
        #expect(error?.text == "nonsense")
    }

    @Test func propertyRulesMatchWholeValues() throws {
        let rules = try PropertyRules(parsing: "count=[0-9]+; mode = fast|slow ;")
        #expect(rules.rules.map(\.key) == ["count", "mode"])
        #expect(rules.violation(in: ["count": "12", "mode": "slow", "other": "anything"]) == nil)
        #expect(rules.violation(in: ["count": "12a"]) == "property 'count' is '12a', which does not match '[0-9]+'")
        #expect(rules.violation(in: ["mode": "fastest"]) != nil)
        #expect(rules.violation(in: [:]) == nil)
    }

    @Test func anInvalidRegexIsReported() {
        #expect(throws: PropertyRules.InvalidPattern.self) { try PropertyRules(parsing: "a=[0-9") }
    }
}

@Suite struct CostTableTests {
    @Test func totalsAreWeightedSumsRoundedHalfAwayFromZero() {
        var table = CostTable(hosts: ["a", "b", "c"])
        table.add(weight: 3, scores: [("a", 1.5), ("b", -1.5), ("c", 0.1)])
        #expect(table.costs.map(\.cost) == [5, -5, 0])
    }

    @Test func totalsAreClampedToThe32BitRange() {
        var table = CostTable(hosts: ["a", "b"])
        table.add(weight: 1e12, scores: [("a", 5), ("b", -5)])
        #expect(table.costs.map(\.cost) == [Int32.max, Int32.min])
    }

    @Test func hostsKeepTheirInputOrderWhateverOrderScoresCameIn() {
        var table = CostTable(hosts: ["a", "b", "c"])
        let unknown = table.add(weight: 1, scores: [("c", 3), ("zz", 7), ("a", 1), ("a", 1)])
        #expect(unknown == ["zz"])
        #expect(
            table.costs == [HostCost(host: "a", cost: 2), HostCost(host: "b", cost: 0), HostCost(host: "c", cost: 3)])
    }
}

@Suite struct PluginPermissionTests {
    private func folder(with mode: Int16, fileMode: Int16) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let file = folder.appendingPathComponent("open_filter.py")
        try "class open_filter(object):\n    def do_filter(self, hosts, vm, args):\n        return hosts\n"
            .write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: fileMode], ofItemAtPath: file.path)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: folder.path)
        return folder.path
    }

    private func load(_ path: String) throws -> PluginRegistry { try loadRegistry(path) }

    @Test func aPluginFileOthersCanWriteIsRefusedAndSaysWhy() throws {
        let registry = try load(try folder(with: 0o755, fileMode: 0o646))
        #expect(registry.unit(.filter, named: "open_filter") == nil)
        #expect(registry.loadErrors.first?.message.contains("writable by every user") == true)
    }

    @Test func aPluginFolderOthersCanWriteIsRefused() throws {
        let registry = try load(try folder(with: 0o777, fileMode: 0o644))
        #expect(registry.allUnits.allSatisfy { $0.info.file == "built-in" }, "only the built-in units are served")
        #expect(registry.loadErrors.first?.message.hasPrefix("refusing to load plugins") == true)
    }

    @Test func aPrivatePluginLoads() throws {
        let registry = try load(try folder(with: 0o755, fileMode: 0o644))
        #expect(registry.unit(.filter, named: "open_filter") != nil)
        #expect(registry.loadErrors.isEmpty)
    }
}
