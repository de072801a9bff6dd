import Foundation

/// The policies of the policy folder, read with the plugin folder (and again whenever it
/// is): those that can be served, and every file with its problems. A broken policy file
/// is listed with its problems and never stops the others.
public struct PolicySet: Sendable {
    /// Every policy file, sorted by name, with what it defines (now, even when an earlier
    /// version is served) and what is wrong with it.
    public private(set) var files: [PolicyFile] = []
    /// Why the folder could not be listed (a missing folder is no problem: no policies).
    public private(set) var folderProblem: PluginLoadError?
    /// The folder read.
    public private(set) var folder: String = ""
    private var served: [String: Policy] = [:]
    /// What the folder held when it was read, to tell when it changed.
    var fingerprint: Fingerprint = .init()

    public init() {}

    /// The policy named `name`, when its file has no problems.
    public func policy(named name: String) -> Policy? { served[name] }

    /// The file defining `name`, served or not.
    public func file(named name: String) -> PolicyFile? { files.first { $0.policy.name == name } }

    /// The names of the policies being served, sorted.
    public var names: [String] { served.keys.sorted() }

    /// Every problem, file by file.
    public var problems: [PluginLoadError] {
        (folderProblem.map { [$0] } ?? []) + files.flatMap(\.problems)
    }

    /// A policy's problems, or why there is no policy of that name: for answers that name it.
    public func unavailable(_ name: String) -> String? {
        if served[name] != nil { return nil }
        if let file = file(named: name) {
            let shown = file.problems.prefix(LogText.listLimit).map(\.description).joined(separator: "; ")
            return "policy '\(logText(name))' is not served: \(shown)"
        }
        let known = names.isEmpty ? "none in \(folder)" : names.joined(separator: ", ")
        return "no policy named '\(logText(name))' (policies: \(known))"
    }

    /// At most this many policy files are read; a folder with more is a mistake.
    static let maxFiles = 1000

    /// Reads `folder`'s `*.conf` files; their units are checked against `registry`. A file
    /// that has problems now but was served in `previous` keeps that version serving (as a
    /// plugin file does), so a typo in an edit does not stop placements; its problems say so.
    static func load(
        folder: String, registry: PluginRegistry, scoring: ScoringSettings, previous: PolicySet? = nil
    ) -> PolicySet {
        var set = PolicySet()
        set.folder = folder
        set.fingerprint = Fingerprint(folder: folder)
        let names: [String]
        switch set.fingerprint.listing {
        case .missing:
            return set
        case .unreadable(let reason):
            set.folderProblem = PluginLoadError(file: folder, line: 0, message: "the policy folder \(reason)")
            return set
        case .files(let listed):
            names = listed
        }
        if names.count > maxFiles {
            set.folderProblem = PluginLoadError(
                file: folder, line: 0,
                message: "the policy folder holds \(names.count) policy files; only the first \(maxFiles) are read")
        }
        for name in names.prefix(maxFiles) {
            let path = (folder as NSString).appendingPathComponent(name + ".conf")
            var file = PolicyFile(name: name, path: path, scoring: scoring)
            file.problems += file.unitProblems(registry)
            if file.problems.isEmpty {
                set.served[name] = file.policy
            } else if let earlier = previous?.served[name], earlier.file == path {
                set.served[name] = earlier
                file.problems = file.problems.map { problem in
                    var problem = problem
                    problem.message += " (still serving the version read before)"
                    return problem
                }
            }
            set.files.append(file)
        }
        return set
    }

    /// The folder's `*.conf` files with their size, time, mode and owner: a listing and a
    /// stat call each, cheap enough to poll every second.
    struct Fingerprint: Equatable, Sendable {
        enum Listing: Equatable, Sendable {
            case missing
            case unreadable(String)
            case files([String])
        }

        var listing: Listing = .missing
        var statuses: [FileStatus?] = []

        init() {}

        init(folder: String) {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { return }
            guard isFolder.boolValue else {
                listing = .unreadable("is not a folder")
                return
            }
            guard let stream = opendir(folder) else {
                listing = .unreadable("cannot be read: \(String(cString: strerror(errno)))")
                return
            }
            defer { closedir(stream) }
            var names: [String] = []
            while let entry = readdir(stream) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                    String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasSuffix(".conf"), !name.hasPrefix("."), name.count > 5 {
                    names.append(String(name.dropLast(5)))
                }
            }
            names.sort()
            listing = .files(names)
            statuses = names.prefix(PolicySet.maxFiles).map { name in
                FileStatus(path: (folder as NSString).appendingPathComponent(name + ".conf"))
            }
        }
    }
}
