import Foundation

/// What `stat` says about a file or folder, links followed: enough to tell a changed
/// file from an unchanged one, and whether another user can change it.
struct FileStatus: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedNanoseconds: Int64
    var mode: UInt32
    var owner: UInt32
    var group: UInt32

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        mode = UInt32(info.st_mode)
        owner = UInt32(info.st_uid)
        group = UInt32(info.st_gid)
    }

    /// The file or folder at `path`, links followed; nil when there is none.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    var isFolder: Bool { mode & UInt32(S_IFMT) == UInt32(S_IFDIR) }
}

/// Plugins run with the daemon's rights: a plugin file, or a folder on the way to it,
/// that another user can change is that user's code running as this daemon.
///
/// A path is walked one name at a time, as the kernel does, following symbolic links
/// by hand: a link's own mode (always 0777) means nothing, what it leads to and every
/// folder a name is looked up in on the way do, since whoever can write such a folder
/// can swap what it holds (or repoint a link in it).
enum PluginPathTrust {
    /// Where a path led, or why it led nowhere, and what (if anything) makes it untrusted.
    struct Walk: Sendable {
        enum Outcome: Sendable, Equatable {
            case reached(FileStatus)
            /// `path` (the path itself, or a part of it) does not exist.
            case missing(path: String)
            /// `path`, a part of the path, is a file where a folder was needed.
            case notAFolder(path: String)
            case tooManyLinks
            case unreadable(path: String, errno: Int32)
        }

        /// The file or folder reached, links resolved (so far, when it was not reached).
        var target: String
        var followedLink: Bool
        var outcome: Outcome
        /// The first thing on the way another user can change, said for an admin: which
        /// path, why, and how to fix it.
        var refusal: String?

        var status: FileStatus? {
            if case .reached(let status) = outcome { return status }
            return nil
        }
    }

    /// More than Linux's own limit (40) would never resolve anyway.
    static let mostLinks = 40

    static func walk(_ path: String) -> Walk {
        // A stack: the next name to look up is last.
        var pending = names(path).reversed() as [Substring]
        if !path.hasPrefix("/") {
            // getcwd answers a path without links: its folders are looked up like any others.
            pending += names(FileManager.default.currentDirectoryPath).reversed()
        }
        var current = "/"
        var links = 0
        var followedLink = false
        var refusal: String?
        while let name = pending.popLast() {
            if name == "." { continue }
            if name == ".." {
                current = parent(of: current)
                continue
            }
            let candidate = current == "/" ? "/" + name : current + "/" + name
            var entry = stat()
            guard lstat(candidate, &entry) == 0 else {
                let code = errno
                let outcome: Walk.Outcome =
                    switch code {
                    case ENOENT: .missing(path: candidate)
                    case ENOTDIR: .notAFolder(path: current)
                    default: .unreadable(path: candidate, errno: code)
                    }
                return Walk(target: candidate, followedLink: followedLink, outcome: outcome, refusal: refusal)
            }
            if refusal == nil {
                refusal = folderRefusal(current, entryOwner: UInt32(entry.st_uid))
            }
            if entry.st_mode & S_IFMT == S_IFLNK {
                links += 1
                guard links <= mostLinks, let destination = linkDestination(candidate) else {
                    return Walk(
                        target: candidate, followedLink: true,
                        outcome: links > mostLinks ? .tooManyLinks : .unreadable(path: candidate, errno: errno),
                        refusal: refusal)
                }
                followedLink = true
                if destination.hasPrefix("/") { current = "/" }
                pending += names(destination).reversed()
                continue
            }
            if !pending.isEmpty, entry.st_mode & S_IFMT != S_IFDIR {
                return Walk(
                    target: candidate, followedLink: followedLink, outcome: .notAFolder(path: candidate),
                    refusal: refusal)
            }
            current = candidate
        }
        var info = stat()
        guard stat(current, &info) == 0 else {
            return Walk(
                target: current, followedLink: followedLink, outcome: .unreadable(path: current, errno: errno),
                refusal: refusal)
        }
        if refusal == nil, let fault = Fault(info, stickyProtects: false) {
            refusal =
                followedLink
                ? fault.described(subject: "its target \(current)", path: current)
                : fault.described(subject: "it", path: nil)
        }
        return Walk(target: current, followedLink: followedLink, outcome: .reached(FileStatus(info)), refusal: refusal)
    }

    /// Why a name looked up in `folder` may not be what its owner put there.
    private static func folderRefusal(_ folder: String, entryOwner: UInt32) -> String? {
        var info = stat()
        guard stat(folder, &info) == 0 else { return nil }  // reached through lstat a moment ago
        // In a sticky folder (/tmp) only the owner of an entry may rename or remove it.
        let trustedEntry = entryOwner == 0 || entryOwner == geteuid()
        guard let fault = Fault(info, stickyProtects: trustedEntry) else { return nil }
        return fault.described(subject: "the folder \(folder) on the way to it", path: folder)
    }

    private enum Fault {
        case writableByEveryone(mode: UInt32)
        case writableByGroup(UInt32, mode: UInt32)
        case owner(UInt32)

        /// The definition the daemon has always used: writable by every user, by a group
        /// other than the daemon's, or owned by someone other than the daemon's user or root.
        init?(_ info: stat, stickyProtects: Bool) {
            let mode = UInt32(info.st_mode)
            let sticky = stickyProtects && mode & UInt32(S_ISVTX) != 0
            if mode & 0o002 != 0, !sticky {
                self = .writableByEveryone(mode: mode)
            } else if mode & 0o020 != 0, info.st_gid != getegid(), !sticky {
                self = .writableByGroup(UInt32(info.st_gid), mode: mode)
            } else if info.st_uid != geteuid(), info.st_uid != 0 {
                self = .owner(UInt32(info.st_uid))
            } else {
                return nil
            }
        }

        /// `path` nil: the subject is "it", the path the admin named.
        func described(subject: String, path: String?) -> String {
            let fix = path ?? "on it"
            switch self {
            case .writableByEveryone(let mode):
                return "\(subject) is writable by every user (mode \(Self.octal(mode))); run chmod o-w \(fix)"
            case .writableByGroup(let group, let mode):
                return
                    "\(subject) is writable by group \(group), which is not this daemon's group (mode \(Self.octal(mode))); run chmod g-w \(fix)"
            case .owner(let owner):
                return "\(subject) belongs to user \(owner), not to this daemon's user or root"
            }
        }

        private static func octal(_ mode: UInt32) -> String {
            String(mode & 0o7777, radix: 8)
        }
    }

    private static func names(_ path: String) -> [Substring] {
        path.split(separator: "/")
    }

    private static func parent(of folder: String) -> String {
        guard let slash = folder.lastIndex(of: "/"), slash != folder.startIndex else { return "/" }
        return String(folder[..<slash])
    }

    private static func linkDestination(_ link: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink(link, &buffer, buffer.count - 1)
        guard length >= 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
