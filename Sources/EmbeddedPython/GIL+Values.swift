internal import CPython

// Python objects made from Swift values: a new object needs the GIL, hence the token.

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
}
