internal import CPython
import Synchronization

// The only file that touches reference counts. Every other file gets references
// from the constructors here and gives them back through `consume`/`deinit`.

/// An opaque `PyObject *`: public so that both reference kinds can share one
/// protocol, but nothing outside this module can do anything with it.
public struct PythonObjectPointer: @unchecked Sendable, Hashable {
    // Opaque so that client modules never need CPython's headers for its layout.
    private let opaque: OpaquePointer

    init(_ raw: UnsafeMutablePointer<PyObject>) {
        opaque = OpaquePointer(raw)
    }

    var raw: UnsafeMutablePointer<PyObject> { UnsafeMutablePointer(opaque) }
}

/// What both reference kinds have in common: a live `PyObject` that may be used
/// because the GIL is held (neither kind can outlive the `GIL` scope it came from).
public protocol PythonReference: ~Copyable {
    var pointer: PythonObjectPointer { get }
}

/// An owned (strong) reference, bound to the GIL scope it was made in.
///
/// It is `~Copyable` so that it cannot be returned out of `withGIL` (whose result
/// must be copyable) or captured by an escaping closure: the reference count is
/// released in `deinit`, which therefore always runs with the GIL held.
public struct PyOwned: PythonReference, ~Copyable {
    public let pointer: PythonObjectPointer

    /// Takes over a new reference; `nil` means the call failed and an exception is set.
    init(newReference raw: UnsafeMutablePointer<PyObject>?) throws(PythonError) {
        guard let raw else { throw PythonError.fetch() }
        pointer = PythonObjectPointer(raw)
    }

    /// Takes over a new reference from a call that cannot fail.
    init(unchecked raw: UnsafeMutablePointer<PyObject>) {
        pointer = PythonObjectPointer(raw)
    }

    /// Takes a new strong reference to something we only borrow.
    init(retaining raw: UnsafeMutablePointer<PyObject>) {
        Py_IncRef(raw)
        pointer = PythonObjectPointer(raw)
    }

    /// Hands the reference to a C function that steals it (PyList_SetItem, PyTuple_SetItem).
    consuming func stolen() -> UnsafeMutablePointer<PyObject> {
        let raw = pointer.raw
        discard self
        return raw
    }

    deinit {
        Py_DecRef(pointer.raw)
    }
}

/// A borrowed reference: valid while its owner (a container, a `PythonHandle`, a
/// frame) keeps the object alive and the GIL is held. Never released.
public struct PyBorrowed: PythonReference, ~Copyable {
    public let pointer: PythonObjectPointer

    init(_ raw: UnsafeMutablePointer<PyObject>) {
        pointer = PythonObjectPointer(raw)
    }
}

extension PythonReference where Self: ~Copyable {
    /// A new owned reference to the same object.
    public func retained() -> PyOwned {
        PyOwned(retaining: pointer.raw)
    }

    /// A reference that may leave the GIL scope and cross threads.
    public func shared() -> PythonHandle {
        PythonHandle(retaining: pointer.raw)
    }

    var raw: UnsafeMutablePointer<PyObject> { pointer.raw }
}

/// A strong reference that is independent of the GIL (PyO3's `Py<T>`): it can be
/// stored, sent to other threads and dropped anywhere. Using the object needs
/// `bind(_:)` with a GIL proof. When the last Swift reference goes away on a
/// thread that does not hold the GIL, the decrement is deferred until the next
/// time any thread takes the GIL through this module.
public final class PythonHandle: @unchecked Sendable {
    private let raw: UnsafeMutablePointer<PyObject>

    fileprivate init(retaining raw: UnsafeMutablePointer<PyObject>) {
        Py_IncRef(raw)
        self.raw = raw
    }

    public func bind(_ gil: borrowing GIL) -> PyBorrowed {
        PyBorrowed(raw)
    }

    deinit {
        if PyGILState_Check() == 1 {
            Py_DecRef(raw)
        } else {
            PendingDecrefs.shared.defer(raw)
        }
    }
}

/// Decrements owed by handles dropped without the GIL.
final class PendingDecrefs: Sendable {
    static let shared = PendingDecrefs()

    private let pending = Mutex<[PythonObjectPointer]>([])
    private let hasPending = Atomic<Bool>(false)

    fileprivate func `defer`(_ raw: UnsafeMutablePointer<PyObject>) {
        pending.withLock { $0.append(PythonObjectPointer(raw)) }
        hasPending.store(true, ordering: .releasing)
    }

    /// Called right after the GIL is taken.
    func drain(_ gil: borrowing GIL) {
        guard hasPending.load(ordering: .acquiring) else { return }
        let owed = pending.withLock { list -> [PythonObjectPointer] in
            hasPending.store(false, ordering: .releasing)
            defer { list.removeAll(keepingCapacity: true) }
            return list
        }
        for object in owed {
            Py_DecRef(object.raw)
        }
    }
}
