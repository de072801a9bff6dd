import ArgumentParser
import EmbeddedPython
import Foundation
import Scheduling

extension PluginSkeleton.Style: ExpressibleByArgument {}
extension PluginSkeleton.Kind: ExpressibleByArgument {}

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a documented plugin skeleton and a test of it that uses the plugin kit.",
        discussion: """
            Writes NAME.py into the plugin folder (a unit that works as written, to make yours) and
            tests/test_NAME.py, which runs it in the daemon with the plugin kit; and pytest.ini, when
            the folder has none. It never replaces a file: it refuses when one exists.
              scheduler-proxy new filter enough_memory
              scheduler-proxy new score fewer_vms --style function --plugins /srv/my-plugins
            """)

    @Argument(help: "filter, score or balance.")
    var kind: PluginSkeleton.Kind

    @Argument(help: "The unit's name: a Python name (letters, digits, _), also the file's.")
    var name: String

    @Option(name: .long, help: "class (the classic proxy's) or function.")
    var style: PluginSkeleton.Style = .class

    @Option(name: .long, help: "The plugin folder to write into (default: the current folder).")
    var plugins: String = "."

    /// Names Python or the daemon would not take, found before anything is written.
    func validate() throws {
        if let problem = Self.problem(with: name) { throw ValidationError(problem) }
        if let problem = try Self.pythonProblem(with: name) { throw ValidationError(problem) }
    }

    func run() throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: plugins, isDirectory: &isFolder), isFolder.boolValue else {
            throw StartupError(description: "the plugin folder \(plugins) does not exist or is not a folder")
        }
        let skeleton = PluginSkeleton(kind: kind, name: name, style: style)
        let folder = URL(fileURLWithPath: plugins)
        let tests = folder.appendingPathComponent("tests")
        var files = [
            (folder.appendingPathComponent("\(name).py"), skeleton.plugin + "\n"),
            (tests.appendingPathComponent("test_\(name).py"), skeleton.test + "\n"),
        ]
        for (path, _) in files where FileManager.default.fileExists(atPath: path.path) {
            throw StartupError(description: "\(path.path) exists: not replacing it (choose another name)")
        }
        let ini = folder.appendingPathComponent("pytest.ini")
        if !FileManager.default.fileExists(atPath: ini.path) { files.append((ini, PluginSkeleton.pytestINI)) }
        do {
            try FileManager.default.createDirectory(at: tests, withIntermediateDirectories: true)
        } catch {
            throw StartupError(description: "cannot make \(tests.path): \(error.localizedDescription)")
        }
        for (path, text) in files {
            try Self.writeNew(path, text)
            print("wrote \(path.path)")
        }
        print(
            """
            Next: pip install ./plugin_kit (from a scheduler-proxy checkout) into a virtual environment,
            then run pytest in \(folder.path); scheduler-proxy discover --plugins \(folder.path) lists the unit.
            """)
    }

    /// The Python-independent rules: what can be a module, a class and a file name everywhere.
    static func problem(with name: String) -> String? {
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
        guard let first = name.first, letters.contains(first),
            name.allSatisfy({ letters.contains($0) || ("0"..."9").contains($0) })
        else {
            return "'\(name)' is no plugin name: use letters, digits and _, not starting with a digit"
        }
        if name.count > 64 { return "'\(name)' is too long for a plugin name (64 characters at most)" }
        if BuiltInUnits.names.contains(name) { return "'\(name)' is a built-in unit's name: choose another" }
        // conftest.py would be read by pytest as its own; scheduler_proxy is the module plugins get entities from.
        if ["conftest", "scheduler_proxy"].contains(name) { return "'\(name)' is taken: choose another name" }
        return nil
    }

    /// What the daemon's own interpreter refuses: keywords, and standard-library module names
    /// (the daemon does not load a plugin file named like one).
    static func pythonProblem(with name: String) throws -> String? {
        try PythonInterpreter.start()
        let (keywords, standardModules) = try PythonInterpreter.withGIL {
            gil throws(PythonError) -> (Set<String>, Set<String>) in
            var keywords: Set<String> = []
            var standardModules: Set<String> = []
            try gil.importModule("keyword").attribute("kwlist").forEachItem { (item) throws(PythonError) in
                keywords.insert(try item.stringValue())
            }
            try gil.importModule("sys").attribute("stdlib_module_names").forEachItem { (item) throws(PythonError) in
                standardModules.insert(try item.stringValue())
            }
            return (keywords, standardModules)
        }
        if keywords.contains(name) { return "'\(name)' is a Python keyword: choose another name" }
        if standardModules.contains(name) {
            return "'\(name)' is the name of a module of Python's standard library: choose another name"
        }
        return nil
    }

    /// Creates `path` with `text`, failing if it exists (O_EXCL: never replaces a file).
    static func writeNew(_ path: URL, _ text: String) throws {
        let descriptor = open(path.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw StartupError(description: "cannot create \(path.path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else {
                throw StartupError(description: "cannot write \(path.path): \(String(cString: strerror(errno)))")
            }
            written += count
        }
    }
}
