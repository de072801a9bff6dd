internal import CPython

// Operations on Python objects: type checks, attributes and calls here, Swift values read
// out in PythonReference+Values.swift, items in PythonReference+Containers.swift. Anything
// that holds a reference holds the GIL, so these need no token; making objects from Swift
// values does (see GIL+Values.swift).
//
// Rule for this module: read `.raw` only from `self` or a borrowed parameter. A
// temporary or a local may be destroyed right after its last use, which would be
// before the C call that reads the pointer runs.

extension PythonReference where Self: ~Copyable {
    public var isNone: Bool { sp_is_none(raw) != 0 }
    public var isString: Bool { sp_unicode_check(raw) != 0 }
    public var isBool: Bool { sp_bool_check(raw) != 0 }
    /// True for `int` (and its subclasses) but not for `bool`.
    public var isInteger: Bool { sp_long_check(raw) != 0 && sp_bool_check(raw) == 0 }
    public var isFloat: Bool { sp_float_check(raw) != 0 }
    public var isDict: Bool { sp_dict_check(raw) != 0 }
    public var isBytes: Bool { sp_bytes_check(raw) != 0 }
    public var isType: Bool { sp_type_check(raw) != 0 }
    public var isCallable: Bool { PyCallable_Check(raw) != 0 }

    /// The name of the object's type, for error messages ("list", "NoneType").
    public var typeName: String { String(cString: sp_type_name(raw)) }

    public func isIdentical(to other: borrowing some PythonReference & ~Copyable) -> Bool {
        raw == other.raw
    }

    /// The items of a sequence, held in a tuple of their own: while the tuple lives,
    /// whatever happens to the sequence, an object identical to one of `pointers` is that item.
    public func heldItems() throws(PythonError) -> HeldItems {
        let tuple = try PyOwned(newReference: PySequence_Tuple(raw))
        let pointers = (0..<PyTuple_Size(tuple.raw)).map { PythonObjectPointer(PyTuple_GetItem(tuple.raw, $0)!) }
        return HeldItems(tuple: tuple, pointers: pointers)
    }

    public func attribute(_ name: String) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyObject_GetAttrString(raw, name))
    }

    /// The attribute, or nil when the object has none (other errors still throw).
    public func attributeIfPresent(_ name: String) throws(PythonError) -> PyOwned? {
        if let value = PyObject_GetAttrString(raw, name) {
            return PyOwned(unchecked: value)
        }
        if PyErr_ExceptionMatches(sp_exc_attribute_error()) != 0 {
            PyErr_Clear()
            return nil
        }
        throw PythonError.fetch()
    }

    /// `getattr(object, name)` with a name object made once (an interned str).
    public func attribute(named name: borrowing some PythonReference & ~Copyable) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyObject_GetAttr(raw, name.raw))
    }

    public func setAttribute(
        named name: borrowing some PythonReference & ~Copyable, _ value: borrowing some PythonReference & ~Copyable
    ) throws(PythonError) {
        guard PyObject_SetAttr(raw, name.raw, value.raw) == 0 else { throw PythonError.fetch() }
    }

    /// `isinstance(object, type)`.
    public func isInstance(of type: borrowing some PythonReference & ~Copyable) throws(PythonError) -> Bool {
        let result = PyObject_IsInstance(raw, type.raw)
        if result < 0 { throw PythonError.fetch() }
        return result == 1
    }

    public func setAttribute(_ name: String, _ value: borrowing some PythonReference & ~Copyable) throws(PythonError) {
        guard PyObject_SetAttrString(raw, name, value.raw) == 0 else { throw PythonError.fetch() }
    }

    public func call() throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyObject_CallNoArgs(raw))
    }

    public func call(_ a: borrowing some PythonReference & ~Copyable) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyObject_CallOneArg(raw, a.raw))
    }

    public func call(
        _ a: borrowing some PythonReference & ~Copyable, _ b: borrowing some PythonReference & ~Copyable
    ) throws(PythonError) -> PyOwned {
        var arguments: [UnsafeMutablePointer<PyObject>?] = [a.raw, b.raw]
        return try PyOwned(newReference: PyObject_Vectorcall(raw, &arguments, 2, nil))
    }

    public func call(
        _ a: borrowing some PythonReference & ~Copyable, _ b: borrowing some PythonReference & ~Copyable,
        _ c: borrowing some PythonReference & ~Copyable
    ) throws(PythonError) -> PyOwned {
        var arguments: [UnsafeMutablePointer<PyObject>?] = [a.raw, b.raw, c.raw]
        return try PyOwned(newReference: PyObject_Vectorcall(raw, &arguments, 3, nil))
    }

    public func call(
        _ a: borrowing some PythonReference & ~Copyable, _ b: borrowing some PythonReference & ~Copyable,
        _ c: borrowing some PythonReference & ~Copyable, _ d: borrowing some PythonReference & ~Copyable
    ) throws(PythonError) -> PyOwned {
        var arguments: [UnsafeMutablePointer<PyObject>?] = [a.raw, b.raw, c.raw, d.raw]
        return try PyOwned(newReference: PyObject_Vectorcall(raw, &arguments, 4, nil))
    }

    /// Calls with a tuple of positional arguments built by `GIL.tuple`.
    public func call(arguments: borrowing PyOwned) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyObject_Call(raw, arguments.raw, nil))
    }

    public func callMethod(_ name: String) throws(PythonError) -> PyOwned {
        try attribute(name).call()
    }

    public func callMethod(_ name: String, _ a: borrowing some PythonReference & ~Copyable) throws(PythonError)
        -> PyOwned
    {
        try attribute(name).call(a)
    }

    /// `str(object)`.
    public func str() throws(PythonError) -> String {
        try PyOwned(newReference: PyObject_Str(raw)).stringValue()
    }

    /// `repr(object)`.
    public func repr() throws(PythonError) -> String {
        try PyOwned(newReference: PyObject_Repr(raw)).stringValue()
    }
}

/// A sequence's items kept alive (see `heldItems()`), so their addresses cannot be reused.
public struct HeldItems: ~Copyable {
    let tuple: PyOwned
    public let pointers: [PythonObjectPointer]
}
