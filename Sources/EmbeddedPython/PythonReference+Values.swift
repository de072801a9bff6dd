internal import CPython

// Swift values read out of Python objects, each refusing the types it does not expect.

extension PythonReference where Self: ~Copyable {
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
}
