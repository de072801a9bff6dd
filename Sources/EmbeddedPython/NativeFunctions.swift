internal import CPython

// Swift values that Python holds (capsules) and Swift functions that Python calls.
// Reference counts still only move through PyOwned's constructors and `stolen()`;
// what is retained and released here are Swift objects.

// Capsules keep the name's pointer and compare names with strcmp: it must live forever.
// Written once, read only.
nonisolated(unsafe) private let capsuleName = UnsafePointer(strdup("scheduler_proxy.swift_object")!)

/// Releases the Swift object when Python frees the capsule (with the GIL held).
private func releaseCapsule(_ capsule: UnsafeMutablePointer<PyObject>?) {
    guard let capsule, let pointer = PyCapsule_GetPointer(capsule, capsuleName) else { return }
    Unmanaged<AnyObject>.fromOpaque(pointer).release()
}

extension GIL {
    /// A capsule that keeps `object` alive for as long as Python holds it.
    public func capsule(holding object: AnyObject) -> PyOwned {
        let pointer = Unmanaged.passRetained(object).toOpaque()
        // Fails only when out of memory; the object is then released again.
        guard let capsule = PyCapsule_New(pointer, capsuleName, releaseCapsule) else {
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
            fatalError("out of memory making a capsule")
        }
        return PyOwned(unchecked: capsule)
    }
}

extension PythonReference where Self: ~Copyable {
    /// The Swift object in a capsule made by `GIL.capsule(holding:)`, if this is one holding a `T`.
    public func capsuleObject<T: AnyObject>(_ type: T.Type) -> T? {
        guard PyCapsule_IsValid(raw, capsuleName) == 1, let pointer = PyCapsule_GetPointer(raw, capsuleName) else {
            PyErr_Clear()
            return nil
        }
        return Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? T
    }
}

/// The positional arguments of a call from Python, borrowed from the caller.
public struct NativeArguments: ~Copyable {
    private let base: UnsafePointer<UnsafeMutablePointer<PyObject>?>?
    public let count: Int

    fileprivate init(_ base: UnsafePointer<UnsafeMutablePointer<PyObject>?>?, count: Int) {
        self.base = base
        self.count = count
    }

    public func argument(_ index: Int) -> PyBorrowed {
        precondition(index >= 0 && index < count, "argument \(index) of \(count)")
        return PyBorrowed(base.unsafelyUnwrapped[index].unsafelyUnwrapped)
    }
}

public typealias NativeFunctionBody =
    @Sendable (borrowing GIL, borrowing NativeArguments) throws(PythonError) -> PyOwned

private final class NativeFunctionBox {
    let name: String
    let body: NativeFunctionBody

    init(name: String, body: @escaping NativeFunctionBody) {
        self.name = name
        self.body = body
    }
}

/// Entered from Python with the GIL held; `function` is the capsule holding the box.
private func callNative(
    _ function: UnsafeMutablePointer<PyObject>?, _ arguments: UnsafePointer<UnsafeMutablePointer<PyObject>?>?,
    _ count: Py_ssize_t
) -> UnsafeMutablePointer<PyObject>? {
    guard let box = function.flatMap({ PyBorrowed($0).capsuleObject(NativeFunctionBox.self) }) else {
        PyErr_SetString(sp_exc_runtime_error(), "native function without its Swift body")
        return nil
    }
    let gil = GIL.assumeHeld(because: .calledFromPython)
    do {
        return try box.body(gil, NativeArguments(arguments, count: count)).stolen()
    } catch {
        let type = error.typeName == "TypeError" ? sp_exc_type_error() : sp_exc_runtime_error()
        PyErr_SetString(type, "\(box.name): \(error.description)")
        return nil
    }
}

extension GIL {
    /// A builtin function that runs `body` when Python calls it: for the few places
    /// where Python code needs Swift (turning a host's XML into attributes on demand).
    public func nativeFunction(named name: String, _ body: @escaping NativeFunctionBody) -> PyOwned {
        // The method table must outlive every function object made from it: one per
        // function made, and functions are made once at startup.
        let definition = UnsafeMutablePointer<PyMethodDef>.allocate(capacity: 1)
        let fastCall:
            @convention(c) (
                UnsafeMutablePointer<PyObject>?, UnsafePointer<UnsafeMutablePointer<PyObject>?>?, Py_ssize_t
            ) -> UnsafeMutablePointer<PyObject>? = callNative
        definition.initialize(
            to: PyMethodDef(
                ml_name: strdup(name), ml_meth: unsafeBitCast(fastCall, to: PyCFunction.self),
                ml_flags: Int32(METH_FASTCALL), ml_doc: nil))
        let holder = capsule(holding: NativeFunctionBox(name: name, body: body))
        return PyOwned(unchecked: PyCFunction_NewEx(definition, holder.raw, nil)!)
    }
}
