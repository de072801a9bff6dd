internal import CPython
import Synchronization

/// Proof that the current thread holds the GIL (PyO3's `Python<'py>` token).
///
/// Only this module can make one, and only while it holds the GIL; it is handed
/// to closures as `borrowing`, so it cannot be stored, copied or sent elsewhere.
/// Every operation that creates a Python object from nothing asks for it.
public struct GIL: ~Copyable {
    /// Why the calling code holds the GIL although it has no token to show for it.
    enum Reason {
        /// Right after `PyGILState_Ensure` (`PythonInterpreter.withGIL`).
        case ensuredState
        /// Right after a pool thread's `PyEval_RestoreThread`.
        case restoredThreadState
        /// Inside a function CPython calls (a native function entered from Python).
        case calledFromPython
        /// Code reached only from code that holds a token (such as reading the raised
        /// exception after a call failed), where passing it down is not possible.
        case callerHoldsIt
    }

    private init() {}

    /// The one place a token is made: the caller states why the GIL is held, which no
    /// type can check. Grep for `assumeHeld` to review every such claim.
    static func assumeHeld(because reason: Reason) -> GIL {
        GIL()
    }
}

/// The one embedded interpreter of this process.
public enum PythonInterpreter {
    public struct Configuration: Sendable {
        /// Folders put in front of `sys.path` (the plugin folder).
        public var modulePaths: [String]
        public init(modulePaths: [String] = []) {
            self.modulePaths = modulePaths
        }
    }

    private static let state = Mutex<Bool>(false)

    /// Starts the interpreter once per process; later calls only add module paths.
    public static func start(_ configuration: Configuration = .init()) throws(PythonError) {
        let startedNow = state.withLock { started -> Bool in
            if started { return false }
            initializeInterpreter()
            ForkedChild.recordOwner()
            // Every process that runs plugins may be handed large requests.
            MemoryTrimmer.configureAllocator()
            started = true
            return true
        }
        try withGIL { gil throws(PythonError) in
            if startedNow {
                try installRuntimeSupport(gil)
            }
            try gil.prependModulePaths(configuration.modulePaths)
        }
    }

    /// `sys.version`, e.g. "3.11.2 (main, ...)".
    public static var version: String {
        String(cString: Py_GetVersion())
    }

    /// Runs `body` holding the GIL, from any thread (PyGILState_Ensure). The result
    /// must be copyable, so Python references cannot leave the closure.
    public static func withGIL<R, E: Error>(_ body: (borrowing GIL) throws(E) -> R) throws(E) -> R {
        let state = PyGILState_Ensure()
        defer { PyGILState_Release(state) }
        // Python code may have forked: a copy of the process must not go on into the caller's code.
        defer { ForkedChild.leaveIfForked() }
        let gil = GIL.assumeHeld(because: .ensuredState)
        PendingDecrefs.shared.drain(gil)
        return try body(gil)
    }

    private static func initializeInterpreter() {
        var config = PyConfig()
        PyConfig_InitPythonConfig(&config)
        defer { PyConfig_Clear(&config) }
        // The daemon owns SIGINT/SIGTERM; Python must not install handlers of its own.
        config.install_signal_handlers = 0
        config.parse_argv = 0
        // Naming our own executable makes CPython find its standard library from the
        // prefix it was built with, instead of searching PATH for some other python3.
        if let executable = currentExecutablePath() {
            withUnsafeMutablePointer(to: &config) { config in
                _ = PyConfig_SetBytesString(config, &config.pointee.program_name, executable)
            }
        }
        let status = Py_InitializeFromConfig(&config)
        if PyStatus_Exception(status) != 0 {
            let message = status.err_msg.map { String(cString: $0) } ?? "unknown error"
            fatalError("the embedded Python interpreter could not start: \(message)")
        }
        // Hand the GIL back: from now on every thread takes it explicitly.
        _ = PyEval_SaveThread()
    }

    private static func currentExecutablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func installRuntimeSupport(_ gil: borrowing GIL) throws(PythonError) {
        // A plugin run as `python3 -c` saw a real interpreter in sys.executable; ours
        // would be this daemon, so point it at the matching python binary.
        _ = try gil.run(
            """
            import os, sys
            _candidate = os.path.join(sys.base_prefix, 'bin', 'python%d.%d' % sys.version_info[:2])
            if os.path.exists(_candidate):
                sys.executable = _candidate
            sys.argv = ['']
            del _candidate
            """,
            filename: "<scheduler-proxy startup>")
        DeadlineExceeded.install(gil)
    }
}

extension GIL {
    func prependModulePaths(_ paths: [String]) throws(PythonError) {
        guard !paths.isEmpty else { return }
        let sys = try importModule("sys")
        let path = try sys.attribute("path")
        for folder in paths.reversed() {
            let entry = string(folder)
            if try path.contains(entry) { continue }
            try path.insert(entry, at: 0)
        }
    }
}

/// Swift state shared between threads that is only ever read or changed with the GIL
/// held, which is then its lock (PyO3's `GILProtected`): no mutex of its own, and no
/// way to reach it without a `GIL`. `body` must not run Python code, which could hand
/// the GIL to another thread halfway through.
///
/// This relies on a GIL build of CPython (Debian's python3-dev, 3.11): in a free-threaded
/// build (3.13t) the GIL excludes no other thread, and neither this type nor a `GIL`
/// token would protect anything.
public final class GILProtected<Value>: @unchecked Sendable {
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public func withValue<R>(_ gil: borrowing GIL, _ body: (inout Value) throws -> R) rethrows -> R {
        try body(&value)
    }
}
