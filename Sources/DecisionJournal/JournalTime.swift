import Foundation

/// Times as operators write them: `--since 1h`, `since=2026-11-27T10:00:00Z`, `journal_max_age = 7d`.
public enum JournalTime {
    /// A duration: seconds, or a number with an s, m, h or d suffix.
    public static func seconds(in text: String) -> Double? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var unit = 1.0
        if let last = digits.last, let factor = units[last] {
            unit = factor
            digits = digits.dropLast()
        }
        guard let value = Double(digits), value.isFinite, value >= 0, !digits.hasPrefix("+") else { return nil }
        return value * unit
    }

    /// A moment: an ISO 8601 time (with a zone, or UTC when it has none; a date alone is its
    /// midnight UTC), or a duration back from `now`. In seconds since 1970.
    public static func moment(in text: String, now: Date = Date()) -> Double? {
        if let ago = seconds(in: text) { return now.timeIntervalSince1970 - ago }
        let formats = [
            "yyyy-MM-dd'T'HH:mm:ss.SSSXXXXX", "yyyy-MM-dd'T'HH:mm:ssXXXXX", "yyyy-MM-dd'T'HH:mmXXXXX",
            "yyyy-MM-dd'T'HH:mm:ss.SSS", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss",
            "yyyy-MM-dd HH:mm", "yyyy-MM-dd",
        ]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date.timeIntervalSince1970 }
        }
        return nil
    }

    /// `2026-11-27T10:00:00.123Z`.
    public static func text(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
