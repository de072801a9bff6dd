internal import CPython

// Operations on Python objects. Anything that holds a reference holds the GIL, so
// these need no token; making objects from Swift values does (see `extension GIL`).
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

    /// The text of a `str` (or subclass); any other type is an error.
    public func stringValue() throws(PythonError) -> String {
        guard isString else {
            throw PythonError(typeName: "TypeError", message: "expected str, got \(typeName)")
        }
        var length: Py_ssize_t = 0
        guard let utf8 = PyUnicode_AsUTF8AndSize(raw, &length) else {
            // Lone surrogates cannot be UTF-8: say so instead of guessing.
            throw PythonError.fetch()
        }
        return utf8.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// An `int` that fits Int (bool is refused: `True` is not a count).
    public func int() throws(PythonError) -> Int {
        guard isInteger else {
            throw PythonError(typeName: "TypeError", message: "expected int, got \(typeName)")
        }
        var overflow: Int32 = 0
        let value = PyLong_AsLongLongAndOverflow(raw, &overflow)
        if overflow != 0 {
            throw PythonError(typeName: "OverflowError", message: "int too large: \((try? repr()) ?? "?")")
        }
        if value == -1, PyErr_Occurred() != nil { throw PythonError.fetch() }
        return Int(value)
    }

    /// An `int` or `float` as a Double (bool is refused).
    public func number() throws(PythonError) -> Double {
        if isFloat { return PyFloat_AsDouble(raw) }
        if isInteger {
            let value = PyLong_AsDouble(raw)
            if value == -1, PyErr_Occurred() != nil { throw PythonError.fetch() }
            return value
        }
        throw PythonError(typeName: "TypeError", message: "expected a number, got \(typeName)")
    }

    /// `bool(object)`.
    public func isTruthy() throws(PythonError) -> Bool {
        let result = PyObject_IsTrue(raw)
        if result < 0 { throw PythonError.fetch() }
        return result == 1
    }

    /// `len(object)`.
    public func count() throws(PythonError) -> Int {
        let length = PyObject_Length(raw)
        if length < 0 { throw PythonError.fetch() }
        return length
    }

    public func contains(_ item: borrowing some PythonReference & ~Copyable) throws(PythonError) -> Bool {
        let result = PySequence_Contains(raw, item.raw)
        if result < 0 { throw PythonError.fetch() }
        return result == 1
    }

    /// `object[index]` for sequences.
    public func item(at index: Int) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PySequence_GetItem(raw, index))
    }

    /// `object[key]` for a str key, nil when missing (for dicts: no exception is raised).
    public func item(forKey key: String) throws(PythonError) -> PyOwned? {
        if isDict {
            guard let value = PyDict_GetItemString(raw, key) else {
                if PyErr_Occurred() != nil { throw PythonError.fetch() }
                return nil
            }
            return PyOwned(retaining: value)
        }
        guard let keyObject = PyUnicode_FromStringAndSize(key, key.utf8.count) else { throw PythonError.fetch() }
        return try item(forKeyObject: PyOwned(unchecked: keyObject))
    }

    private func item(forKeyObject key: borrowing PyOwned) throws(PythonError) -> PyOwned? {
        if let value = PyObject_GetItem(raw, key.raw) { return PyOwned(unchecked: value) }
        if PyErr_ExceptionMatches(sp_exc_key_error()) != 0 {
            PyErr_Clear()
            return nil
        }
        throw PythonError.fetch()
    }

    public func setItem(_ key: String, _ value: borrowing some PythonReference & ~Copyable) throws(PythonError) {
        guard PyDict_SetItemString(raw, key, value.raw) == 0 else { throw PythonError.fetch() }
    }

    /// `dict[key] = value` with a key object (no str made per call).
    public func setItem(
        _ key: borrowing some PythonReference & ~Copyable, _ value: borrowing some PythonReference & ~Copyable
    ) throws(PythonError) {
        guard PyDict_SetItem(raw, key.raw, value.raw) == 0 else { throw PythonError.fetch() }
    }

    /// `dict.get(key)` on a dict, borrowed from it: valid while the dict keeps it.
    public func dictItem(_ key: borrowing some PythonReference & ~Copyable) throws(PythonError) -> PyBorrowed? {
        if let value = PyDict_GetItemWithError(raw, key.raw) { return PyBorrowed(value) }
        if PyErr_Occurred() != nil { throw PythonError.fetch() }
        return nil
    }

    /// The instance's `__dict__`, made on first use; plain classes and `str` subclasses have one.
    public func instanceDictionary() throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyObject_GenericGetDict(raw, nil))
    }

    /// A `list` itself, not a subclass.
    public var isExactList: Bool { sp_list_check_exact(raw) != 0 }

    /// A new list holding the same items (`list[:]`, done in C): one prebuilt list handed
    /// to many callers, each free to change its own copy.
    public func listCopy() throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyList_GetSlice(raw, 0, Int.max))
    }

    /// `dict.clear()` on a dict.
    public func clearDict() {
        PyDict_Clear(raw)
    }

    /// Visits the items of any iterable, stopping after `limit` items with an error
    /// (a generator that never ends must not hang the caller forever).
    public func forEachItem(
        limit: Int = .max, _ body: (borrowing PyOwned) throws(PythonError) -> Void
    ) throws(PythonError) {
        let iterator = try PyOwned(newReference: PyObject_GetIter(raw))
        var visited = 0
        while let item = try iterator.nextItem() {
            visited += 1
            if visited > limit {
                throw PythonError(typeName: "ValueError", message: "more than \(limit) items")
            }
            try body(item)
        }
    }

    /// `next(iterator)`, nil when exhausted.
    func nextItem() throws(PythonError) -> PyOwned? {
        if let next = PyIter_Next(raw) { return PyOwned(unchecked: next) }
        if PyErr_Occurred() != nil { throw PythonError.fetch() }
        return nil
    }

    /// Visits a dict's items in order (keys and values borrowed from the dict).
    public func forEachDictItem(
        _ body: (borrowing PyBorrowed, borrowing PyBorrowed) throws(PythonError) -> Void
    ) throws(PythonError) {
        guard isDict else {
            throw PythonError(typeName: "TypeError", message: "expected dict, got \(typeName)")
        }
        var position: Py_ssize_t = 0
        var key: UnsafeMutablePointer<PyObject>?
        var value: UnsafeMutablePointer<PyObject>?
        while PyDict_Next(raw, &position, &key, &value) != 0 {
            guard let key, let value else { continue }
            try body(PyBorrowed(key), PyBorrowed(value))
        }
    }

    /// Inserts into a list.
    public func insert(_ item: borrowing some PythonReference & ~Copyable, at index: Int) throws(PythonError) {
        guard PyList_Insert(raw, index, item.raw) == 0 else { throw PythonError.fetch() }
    }

    /// Appends to a list.
    public func append(_ item: borrowing some PythonReference & ~Copyable) throws(PythonError) {
        guard PyList_Append(raw, item.raw) == 0 else { throw PythonError.fetch() }
    }
}

extension GIL {
    public func none() -> PyOwned { PyOwned(retaining: sp_none()) }

    public func bool(_ value: Bool) -> PyOwned { PyOwned(retaining: value ? sp_true() : sp_false()) }

    public func string(_ value: String) -> PyOwned {
        var value = value
        let object = value.withUTF8 { utf8 in
            utf8.withMemoryRebound(to: CChar.self) { PyUnicode_FromStringAndSize($0.baseAddress, $0.count) }
        }
        // Swift strings are valid UTF-8, so decoding cannot fail.
        return PyOwned(unchecked: object!)
    }

    public func int(_ value: Int) -> PyOwned { PyOwned(unchecked: PyLong_FromLongLong(Int64(value))!) }

    public func float(_ value: Double) -> PyOwned { PyOwned(unchecked: PyFloat_FromDouble(value)!) }

    public func list(_ strings: [String]) -> PyOwned {
        let list = PyOwned(unchecked: PyList_New(strings.count)!)
        for (index, text) in strings.enumerated() {
            PyList_SetItem(list.raw, index, string(text).stolen())
        }
        return list
    }

    public func emptyList() -> PyOwned { PyOwned(unchecked: PyList_New(0)!) }

    /// `[first, second]`.
    public func list(
        _ first: borrowing some PythonReference & ~Copyable, _ second: borrowing some PythonReference & ~Copyable
    ) -> PyOwned {
        let list = PyOwned(unchecked: PyList_New(2)!)
        PyList_SetItem(list.raw, 0, first.retained().stolen())
        PyList_SetItem(list.raw, 1, second.retained().stolen())
        return list
    }

    /// A list of `count` items, each made by `item(index)`.
    public func list(count: Int, _ item: (Int) throws(PythonError) -> PyOwned) throws(PythonError) -> PyOwned {
        let list = PyOwned(unchecked: PyList_New(count)!)
        for index in 0..<count {
            PyList_SetItem(list.raw, index, try item(index).stolen())
        }
        return list
    }

    /// The interpreter's one copy of a str: attribute names made this way compare by identity.
    public func internedString(_ value: String) -> PyOwned {
        PyOwned(unchecked: PyUnicode_InternFromString(value)!)
    }

    public func dict(_ pairs: [(String, String)]) -> PyOwned {
        let dict = PyOwned(unchecked: PyDict_New()!)
        for (key, value) in pairs {
            // Setting a str key in a new dict only fails when out of memory.
            try? dict.setItem(key, string(value))
        }
        return dict
    }

    public func emptyDict() -> PyOwned { PyOwned(unchecked: PyDict_New()!) }

    /// A tuple of `count` items, each made by `item(index)`.
    public func tuple(count: Int, _ item: (Int) throws(PythonError) -> PyOwned) throws(PythonError) -> PyOwned {
        let tuple = PyOwned(unchecked: PyTuple_New(count)!)
        for index in 0..<count {
            PyTuple_SetItem(tuple.raw, index, try item(index).stolen())
        }
        return tuple
    }

    public func importModule(_ name: String) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: PyImport_ImportModule(name))
    }

    public func builtins() -> PyBorrowed { PyBorrowed(PyEval_GetBuiltins()) }

    /// Compiles module source; a SyntaxError carries the file and line.
    public func compile(_ source: String, filename: String) throws(PythonError) -> PyOwned {
        try PyOwned(newReference: Py_CompileString(source, filename, Py_file_input))
    }

    /// Runs compiled module code with `namespace` as its globals.
    public func exec(_ code: borrowing some PythonReference & ~Copyable, in namespace: borrowing PyOwned)
        throws(PythonError)
    {
        if PyDict_GetItemString(namespace.raw, "__builtins__") == nil {
            PyDict_SetItemString(namespace.raw, "__builtins__", PyEval_GetBuiltins())
        }
        _ = try PyOwned(newReference: PyEval_EvalCode(code.raw, namespace.raw, namespace.raw))
    }

    /// Compiles and runs `source` in a fresh namespace, returning that namespace.
    public func run(_ source: String, filename: String) throws(PythonError) -> PyOwned {
        let code = try compile(source, filename: filename)
        let namespace = emptyDict()
        try exec(code, in: namespace)
        return namespace
    }
}

/// A sequence's items kept alive (see `heldItems()`), so their addresses cannot be reused.
public struct HeldItems: ~Copyable {
    let tuple: PyOwned
    public let pointers: [PythonObjectPointer]
}
