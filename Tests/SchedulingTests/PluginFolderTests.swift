import Foundation
import Logging
import Scheduling
import Testing

/// The plugin folder and the paths to its files, as the loader judges them: links are
/// followed, and every folder on the way counts.
@Suite struct PluginFolderTests {
    private let manager = FileManager.default
    private let root: String

    init() throws {
        root = manager.temporaryDirectory.appendingPathComponent("plugin-folder-\(UUID().uuidString)").path
        try folder(root)
    }

    @discardableResult
    private func folder(_ path: String, mode: Int16 = 0o755) throws -> String {
        try manager.createDirectory(atPath: path, withIntermediateDirectories: true)
        try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @discardableResult
    private func plugin(_ path: String, unit: String, mode: Int16 = 0o644) throws -> String {
        try "class \(unit)(object):\n    def do_filter(self, hosts, vm, args):\n        return hosts\n"
            .write(toFile: path, atomically: false, encoding: .utf8)
        try manager.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    private func link(_ path: String, to destination: String) throws {
        try manager.createSymbolicLink(atPath: path, withDestinationPath: destination)
    }

    private func load(_ path: String) throws -> PluginRegistry { try loadRegistry(path) }

    @Test func aLinkedPluginFileIsJudgedByItsTargetNotByTheLinksOwnMode() throws {
        let store = try folder(root + "/store")
        let plugins = try folder(root + "/plugins")
        try link(plugins + "/kept.py", to: try plugin(store + "/kept.py", unit: "kept"))
        try link(plugins + "/open.py", to: try plugin(store + "/open.py", unit: "open", mode: 0o646))
        let registry = try load(plugins)
        #expect(registry.unit(.filter, named: "kept") != nil)
        #expect(registry.unit(.filter, named: "open") == nil)
        #expect(
            registry.loadErrors.map(\.message) == [
                "refusing to load: its target \(store)/open.py is writable by every user (mode 646); run chmod o-w \(store)/open.py"
            ])
    }

    @Test func aRelativeLinkToAPluginFolderThroughDotDotLoads() throws {
        let release = try folder(root + "/releases/v1")
        try plugin(release + "/released.py", unit: "released")
        try folder(root + "/deploy")
        try link(root + "/deploy/current", to: "../releases/./v1")
        #expect(PluginFolder.problem(root + "/deploy/current") == nil)
        #expect(try load(root + "/deploy/current").unit(.filter, named: "released") != nil)
    }

    @Test func theFirstFolderOnTheWayThatOthersCanWriteIsNamed() throws {
        let shared = try folder(root + "/shared", mode: 0o775)
        try manager.setAttributes([.groupOwnerAccountID: 4321], ofItemAtPath: shared)
        let store = try folder(shared + "/store")
        let plugins = try folder(root + "/plugins")
        try link(plugins + "/swapped.py", to: try plugin(store + "/swapped.py", unit: "swapped"))
        let registry = try load(plugins)
        #expect(registry.unit(.filter, named: "swapped") == nil)
        #expect(
            registry.loadErrors.first?.message
                == "refusing to load: the folder \(shared) on the way to it is writable by group 4321, which is not this daemon's group (mode 775); run chmod g-w \(shared)"
        )
    }

    @Test func aStickyFolderOnTheWayIsTrustedOnlyForWhatRootOrTheDaemonOwns() throws {
        // Like /tmp: everyone may add entries, only an entry's owner may replace it.
        let sticky = try folder(root + "/sticky", mode: 0o1777)
        let release = try folder(root + "/release")
        try plugin(release + "/kept.py", unit: "kept")
        try link(sticky + "/ours", to: release)
        #expect(PluginFolder.problem(sticky + "/ours") == nil)
        try link(sticky + "/theirs", to: release)
        #expect(lchown(sticky + "/theirs", 4321, 4321) == 0)
        #expect(
            PluginFolder.problem(sticky + "/theirs")
                == "refusing to load plugins: the folder \(sticky) on the way to it is writable by every user (mode 1777); run chmod o-w \(sticky)"
        )
    }

    @Test func aFolderThatIsMissingIsAFileOrLoopsSaysSo() throws {
        let file = try plugin(root + "/file.py", unit: "file")
        try link(root + "/loop", to: root + "/loop")
        #expect(PluginFolder.problem(root + "/missing") == "does not exist")
        #expect(PluginFolder.problem(root + "/missing/plugins") == "does not exist (no \(root)/missing)")
        #expect(PluginFolder.problem(file) == "is not a folder")
        #expect(PluginFolder.problem(file + "/plugins") == "does not exist (\(file) is not a folder)")
        #expect(PluginFolder.problem(root + "/loop") == "cannot be reached: too many levels of symbolic links")
        try link(root + "/dangling", to: root + "/gone")
        #expect(PluginFolder.problem(root + "/dangling") == "does not exist (no \(root)/gone)")
    }

    @Test func aLoadedFolderThatDisappearsKeepsItsPluginsAndSaysWhy() throws {
        let plugins = try folder(root + "/plugins")
        try plugin(plugins + "/kept.py", unit: "kept")
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = try Scheduler(
            settings: PluginSettings(pluginsPath: plugins, pluginsConfPath: plugins + "/none"), pythonThreads: 1,
            logger: logger)
        try manager.moveItem(atPath: plugins, toPath: root + "/aside")
        #expect(scheduler.reloadIfChanged())
        #expect(scheduler.registry.unit(.filter, named: "kept") != nil)
        #expect(
            scheduler.registry.loadErrors.map(\.message) == [
                "the plugin folder does not exist; the 1 plugin files loaded before keep serving"
            ])
        #expect(!scheduler.reloadIfChanged(), "said once, not at every poll")
        try manager.moveItem(atPath: root + "/aside", toPath: plugins)
        #expect(scheduler.reloadIfChanged())
        #expect(scheduler.registry.loadErrors.isEmpty)
        #expect(scheduler.registry.folderProblem == nil)
    }

    @Test func aFileRefusedForItsModeLoadsOnceTheModeIsFixed() throws {
        let plugins = try folder(root + "/plugins")
        let file = try plugin(plugins + "/fixed.py", unit: "fixed", mode: 0o664)
        try manager.setAttributes([.groupOwnerAccountID: 4321], ofItemAtPath: file)
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = try Scheduler(
            settings: PluginSettings(pluginsPath: plugins, pluginsConfPath: plugins + "/none"), pythonThreads: 1,
            logger: logger)
        #expect(scheduler.registry.unit(.filter, named: "fixed") == nil)
        try manager.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(scheduler.reloadIfChanged())
        #expect(scheduler.registry.unit(.filter, named: "fixed") != nil)
    }

    @Test func aFileNamedLikeAStandardLibraryModuleIsRefusedAndSaysWhy() throws {
        let plugins = try folder(root + "/plugins")
        try plugin(plugins + "/random.py", unit: "random_filter")
        let registry = try load(plugins)
        #expect(registry.unit(.filter, named: "random_filter") == nil)
        #expect(
            registry.loadErrors.map(\.description) == [
                "\(plugins)/random.py: refusing to load: 'random' is a module of Python's standard library, which a plugin file of that name would replace for every plugin; rename the file"
            ])
    }
}
