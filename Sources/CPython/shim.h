#ifndef SCHEDULER_PROXY_CPYTHON_SHIM_H
#define SCHEDULER_PROXY_CPYTHON_SHIM_H

// glibc fixes its feature set (the __USE_* macros) the first time <features.h>
// is read. Python.h would turn on _GNU_SOURCE/_XOPEN_SOURCE first, which changes
// system types such as fd_set; Swift's Glibc and Dispatch modules are built with
// glibc's defaults, and a Swift module that sees both definitions fails to build.
// Reading <features.h> first keeps every C module on the same defaults.
// CLibXML2's shim does the same.
#include <features.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>
// malloc_trim: large requests' memory is handed back to the system (EmbeddedPython/MemoryTrimmer.swift).
#include <malloc.h>
// Reaping the copies of the daemon a plugin's os.fork() leaves (EmbeddedPython/ForkedChild.swift).
#include <errno.h>
#include <fcntl.h>
#include <sys/wait.h>

// Macros and singletons that Swift cannot import directly.
static inline PyObject *sp_none(void) { return Py_None; }
static inline PyObject *sp_true(void) { return Py_True; }
static inline PyObject *sp_false(void) { return Py_False; }
static inline int sp_is_none(PyObject *o) { return o == Py_None; }
static inline int sp_is_true_singleton(PyObject *o) { return o == Py_True; }
static inline int sp_unicode_check(PyObject *o) { return PyUnicode_Check(o); }
static inline int sp_unicode_check_exact(PyObject *o) { return PyUnicode_CheckExact(o); }
static inline int sp_long_check(PyObject *o) { return PyLong_Check(o); }
static inline int sp_bool_check(PyObject *o) { return PyBool_Check(o); }
static inline int sp_float_check(PyObject *o) { return PyFloat_Check(o); }
static inline int sp_list_check(PyObject *o) { return PyList_Check(o); }
static inline int sp_list_check_exact(PyObject *o) { return PyList_CheckExact(o); }
static inline int sp_tuple_check(PyObject *o) { return PyTuple_Check(o); }
static inline int sp_dict_check(PyObject *o) { return PyDict_Check(o); }
static inline int sp_bytes_check(PyObject *o) { return PyBytes_Check(o); }
static inline int sp_type_check(PyObject *o) { return PyType_Check(o); }
static inline PyObject *sp_type_of(PyObject *o) { return (PyObject *)Py_TYPE(o); }
static inline const char *sp_type_name(PyObject *o) { return Py_TYPE(o)->tp_name; }
static inline unsigned long sp_thread_id(PyThreadState *t) { return t->thread_id; }


// Exception types, read through functions because Swift sees the globals as shared mutable state.
static inline PyObject *sp_exc_attribute_error(void) { return PyExc_AttributeError; }
static inline PyObject *sp_exc_key_error(void) { return PyExc_KeyError; }
static inline PyObject *sp_exc_syntax_error(void) { return PyExc_SyntaxError; }
static inline PyObject *sp_exc_base_exception(void) { return PyExc_BaseException; }
static inline PyObject *sp_exc_recursion_error(void) { return PyExc_RecursionError; }
static inline PyObject *sp_exc_memory_error(void) { return PyExc_MemoryError; }
static inline PyObject *sp_exc_runtime_error(void) { return PyExc_RuntimeError; }
static inline PyObject *sp_exc_type_error(void) { return PyExc_TypeError; }

// errno is a macro, and fcntl is variadic: neither reaches Swift.
static inline int sp_errno(void) { return errno; }
static inline int sp_cloexec_pipe(int ends[2]) {
    if (pipe(ends) != 0) return -1;
    fcntl(ends[0], F_SETFD, FD_CLOEXEC);
    fcntl(ends[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

#endif
