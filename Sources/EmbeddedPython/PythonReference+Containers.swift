internal import CPython

// Sequences, dicts, lists and iterables: their items read, visited and changed.

extension PythonReference where Self: ~Copyable {
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
