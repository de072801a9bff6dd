import Foundation

/// The folder of plugin files, as the daemon checks and lists it.
public enum PluginFolder {
    /// Why `path` cannot serve as the plugin folder: "does not exist", "is not a folder",
    /// "cannot be read: ...", or the path another user can change. nil when it can.
    public static func problem(_ path: String) -> String? {
        if case .unusable(let problem) = pluginFiles(path) { return problem }
        return nil
    }

    /// Why a folder of `NAME.conf` files cannot be read, in the same words; nil when it can.
    public static func confFolderProblem(_ path: String) -> String? {
        let walk = PluginPathTrust.walk(path)
        if let problem = unreachable(walk, path) { return problem }
        if walk.status?.isFolder != true { return "is not a folder" }
        return nil
    }

    enum Listing {
        /// The names of the `*.py` files directly in the folder, sorted.
        case files([String])
        /// Why the folder cannot be read.
        case unusable(String)
    }

    static func pluginFiles(_ path: String) -> Listing {
        let walk = PluginPathTrust.walk(path)
        if let problem = unreachable(walk, path) { return .unusable(problem) }
        guard walk.status?.isFolder == true else { return .unusable("is not a folder") }
        if let refusal = walk.refusal { return .unusable("refusing to load plugins: \(refusal)") }
        guard let stream = opendir(path) else {
            return .unusable("cannot be read: \(String(cString: strerror(errno)))")
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasSuffix(".py"), !name.hasPrefix(".") { names.append(name) }
        }
        return .files(names.sorted())
    }

    /// `path` as given, so that the missing part is named only when it says more.
    private static func unreachable(_ walk: PluginPathTrust.Walk, _ path: String) -> String? {
        var given = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if !given.hasPrefix("/") {
            given = (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(given)
        }
        return switch walk.outcome {
        case .reached: nil
        case .missing(let part) where part == given: "does not exist"
        case .missing(let part): "does not exist (no \(part))"
        case .notAFolder(let part): "does not exist (\(part) is not a folder)"
        case .tooManyLinks: "cannot be reached: too many levels of symbolic links"
        case .unreadable(let part, let code): "cannot be read: \(part): \(String(cString: strerror(code)))"
        }
    }
}
