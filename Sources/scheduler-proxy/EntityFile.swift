import Foundation
import Scheduling

/// A host or VM XML file named on `run`'s command line, read and checked before any
/// unit runs, so that a wrong file is named in the error instead of being used.
struct EntityFile {
    enum Kind: String {
        case host
        case vm
        /// Hosts, datastores, networks: anything a policy ranks, but a VM.
        case resource
    }

    let path: String
    let text: String
    let entities: [Entity]

    init(path: String, flag: String, kind: Kind) throws(StartupError) {
        self.path = path
        text = try Self.contents(of: path)
        do {
            entities = try EntityXML.entities(in: text)
        } catch {
            throw StartupError(description: "\(path): \(error)")
        }
        let expected =
            switch kind {
            case .host: "host XML (one <host> or a <hosts> document)"
            case .vm: "the XML of one VM (<vm>)"
            case .resource: "host XML or other resources' (not VMs)"
            }
        // Kinds compared without case: OpenNebula names its elements HOST and VM.
        let isOther: (Entity) -> Bool =
            kind == .resource ? { $0.kind.lowercased() == "vm" } : { $0.kind.lowercased() != kind.rawValue }
        if let other = entities.first(where: isOther) {
            throw StartupError(description: "\(path) holds <\(other.kind)> elements, but \(flag) takes \(expected)")
        }
        if entities.isEmpty {
            throw StartupError(description: "\(path) holds no element with an id, but \(flag) takes \(expected)")
        }
        if kind == .vm, entities.count > 1 {
            throw StartupError(description: "\(path) holds \(entities.count) VMs, but \(flag) takes \(expected)")
        }
    }

    /// The file as UTF-8 text; errors say why in the system's words, not Foundation's.
    private static func contents(of path: String) throws(StartupError) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StartupError(description: "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            throw StartupError(description: "cannot read \(path): it is a folder")
        }
        let data: Data
        do {
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw StartupError(description: "cannot read \(path): \(error.localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StartupError(description: "cannot read \(path): it is not UTF-8 text")
        }
        return text
    }
}
