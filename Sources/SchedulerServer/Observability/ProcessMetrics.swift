import Foundation

/// The standard process metrics (`process_resident_memory_bytes`, `process_open_fds`,
/// `process_max_fds`, `process_cpu_seconds_total`, `process_start_time_seconds`), read
/// from /proc when scraped. Linux only; elsewhere each reading is nil and left out.
public enum ProcessMetrics {
    public struct Reading: Sendable, Equatable {
        public var residentBytes: Double?
        public var openDescriptors: Double?
        public var maxDescriptors: Double?
        public var cpuSeconds: Double?
        public var startTime: Double?
    }

    public static func read() -> Reading {
        let stat = statFields()
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        var reading = Reading()
        if let stat, stat.count > 21, ticks > 0 {
            // Fields after the command: state is [0], utime [11], stime [12], starttime [19], rss [21].
            if let user = Double(stat[11]), let system = Double(stat[12]) {
                reading.cpuSeconds = (user + system) / ticks
            }
            if let started = Double(stat[19]), let boot = bootTime() { reading.startTime = boot + started / ticks }
            if let pages = Double(stat[21]) { reading.residentBytes = pages * page }
        }
        if let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            // The listing's own descriptor is among them.
            reading.openDescriptors = Double(max(0, entries.count - 1))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { reading.maxDescriptors = Double(limit.rlim_cur) }
        return reading
    }

    /// /proc/self/stat after the command name (which may hold spaces and parentheses).
    private static func statFields() -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let end = text.lastIndex(of: ")")
        else { return nil }
        return text[text.index(after: end)...].split(separator: " ")
    }

    private static func bootTime() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}
