internal import CPython

// Modules imported and source compiled and run in the interpreter.

extension GIL {
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
