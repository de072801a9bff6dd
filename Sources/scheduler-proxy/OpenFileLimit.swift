#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Raises the soft limit on open files to the hard limit, as long-running
/// servers do: every connection is a descriptor, and the usual soft limit of
/// 1024 is below the default `max_connections`. Returns the limit now in force.
func raiseOpenFileLimit() -> Int? {
    #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        let resource = RLIMIT_NOFILE
    #endif
    var limit = rlimit()
    guard getrlimit(resource, &limit) == 0 else { return nil }
    if limit.rlim_cur < limit.rlim_max {
        var raised = limit
        raised.rlim_cur = limit.rlim_max
        if setrlimit(resource, &raised) == 0 {
            limit = raised
        }
    }
    return Int(clamping: limit.rlim_cur)
}
