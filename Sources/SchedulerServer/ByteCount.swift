/// Sizes as an admin writes them in scheduler.conf, for messages about the limits.
public enum ByteCount {
    /// "32M", "64K", "1000": the largest of G, M and K that divides the count exactly.
    public static func text(_ count: Int) -> String {
        for (suffix, shift) in [("G", 30), ("M", 20), ("K", 10)] where count >= 1 << shift && count % (1 << shift) == 0
        {
            return "\(count >> shift)\(suffix)"
        }
        return String(count)
    }
}
