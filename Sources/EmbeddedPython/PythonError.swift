internal import CPython

/// A Python exception, copied out into Swift values so it can outlive the GIL.
public struct PythonError: Error, Sendable, CustomStringConvertible {
    /// The exception's class name, e.g. "ZeroDivisionError".
    public var typeName: String
    /// `str(exception)`.
    public var message: String
    /// The innermost traceback frame's file and line (for a SyntaxError, the
    /// offending source line), when there is one.
    public var location: (file: String, line: Int)?
    /// The traceback's frames, outermost first.
    public var frames: [(file: String, line: Int)] = []
    /// For a SyntaxError: the file and line of the offending source.
    public var isSyntaxError: Bool
    /// The formatted traceback, as Python would print it.
    public var traceback: String
    /// True when this is the exception a deadline injected into the call.
    public var isDeadline: Bool

    public var description: String {
        typeName.isEmpty ? message : message.isEmpty ? typeName : "\(typeName): \(message)"
    }

    /// A failure that did not come from a Python exception (e.g. a conversion).
    public init(typeName: String = "", message: String) {
        self.typeName = typeName
        self.message = message
        self.location = nil
        self.isSyntaxError = false
        self.traceback = ""
        self.isDeadline = false
    }

    /// Takes the exception currently set (PyErr_Fetch) and clears it.
    static func fetch() -> PythonError {
        var fetchedType: UnsafeMutablePointer<PyObject>?
        var value: UnsafeMutablePointer<PyObject>?
        var traceback: UnsafeMutablePointer<PyObject>?
        PyErr_Fetch(&fetchedType, &value, &traceback)
        guard fetchedType != nil else {
            return PythonError(typeName: "SystemError", message: "a Python call failed without setting an exception")
        }
        PyErr_NormalizeException(&fetchedType, &value, &traceback)
        guard let type = fetchedType else {
            return PythonError(typeName: "SystemError", message: "an exception could not be normalized")
        }
        if let value, let traceback {
            PyException_SetTraceback(value, traceback)
        }
        // The GIL is held here: PyErr_Fetch is only legal with it.
        let gil = GIL.assumeHeld(because: .callerHoldsIt)
        // Matched before the raw pointers are handed to owners that may release them.
        let isDeadline = PyErr_GivenExceptionMatches(type, DeadlineExceeded.type(gil)) != 0
        let isSyntaxError = PyErr_GivenExceptionMatches(type, sp_exc_syntax_error()) != 0
        let typeObject = PyOwned(unchecked: type)
        let valueObject = value.map { PyOwned(unchecked: $0) } ?? gil.none()
        var error = PythonError(
            typeName: (try? typeObject.attribute("__name__").stringValue()) ?? "Exception", message: "")
        error.isDeadline = isDeadline
        error.isSyntaxError = isSyntaxError
        if error.isSyntaxError {
            error.message = (try? valueObject.attribute("msg").str()) ?? ""
            if let file = try? valueObject.attribute("filename").str(),
                let line = try? valueObject.attribute("lineno").int()
            {
                error.location = (file, line)
            }
        } else if !valueObject.isNone {
            error.message = (try? valueObject.str()) ?? ""
        }
        if let traceback {
            let tracebackObject = PyOwned(unchecked: traceback)
            error.frames = frames(of: tracebackObject)
            if !error.isSyntaxError {
                error.location = error.frames.last
            }
            error.traceback = formatTraceback(gil, typeObject, valueObject, tracebackObject)
        }
        PyErr_Clear()
        return error
    }

    private static func frames(of traceback: borrowing PyOwned) -> [(file: String, line: Int)] {
        var frames: [(file: String, line: Int)] = []
        var current = traceback.retained()
        while !current.isNone, frames.count < 1000 {
            guard let line = try? current.attribute("tb_lineno").int(),
                let file = try? current.attribute("tb_frame").attribute("f_code").attribute("co_filename").str(),
                let next = try? current.attribute("tb_next")
            else { break }
            frames.append((file, line))
            current = next
        }
        return frames
    }

    private static func formatTraceback(
        _ gil: borrowing GIL, _ type: borrowing PyOwned, _ value: borrowing PyOwned,
        _ traceback: borrowing PyOwned
    ) -> String {
        guard let module = try? gil.importModule("traceback"),
            let format = try? module.attribute("format_exception"),
            let lines = try? format.call(type, value, traceback),
            let joined = try? gil.string("").callMethod("join", lines)
        else { return "" }
        return (try? joined.stringValue()) ?? ""
    }
}

/// The exception a deadline raises inside a running plugin call. It derives from
/// BaseException so that a plugin's `except Exception:` does not swallow it.
enum DeadlineExceeded {
    nonisolated(unsafe) private static var exceptionType: UnsafeMutablePointer<PyObject>?

    static func install(_ gil: borrowing GIL) {
        exceptionType = PyErr_NewExceptionWithDoc(
            "scheduler_proxy.DeadlineExceeded",
            "Raised inside a plugin call that ran past its deadline.",
            sp_exc_base_exception(), nil)
    }

    static func type(_ gil: borrowing GIL) -> UnsafeMutablePointer<PyObject>? {
        exceptionType
    }
}
