import Foundation

/// Times of the trigger engine: epoch ms (UTC) to ISO text and to local calendar days (Foundation's TimeZone, DST-safe).
public enum TriggerTime {
    static let dayMs: Int64 = 86_400_000
    /// Days from 0001-01-01 (ordinal 1, Python's date.toordinal) to 1970-01-01.
    static let epochOrdinal: Int64 = 719_163

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { let q = a / b; return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q }

    static func civil(_ epochDay: Int64) -> (Int64, Int64, Int64) {
        let z = epochDay + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func pad(_ n: Int64, _ width: Int) -> String { let s = String(n); return String(repeating: "0", count: max(0, width - s.count)) + s }

    /// `YYYY-MM-DD` of a proleptic Gregorian ordinal.
    public static func dateText(_ ordinal: Int64) -> String {
        let (y, m, d) = civil(ordinal - epochOrdinal)
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    /// Epoch ms -> `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    public static func iso(_ ms: Int64) -> String {
        let day = floorDiv(ms, dayMs), rest = ms - day * dayMs
        return "\(dateText(day + epochOrdinal))T\(pad(rest / 3_600_000, 2)):\(pad((rest / 60_000) % 60, 2)):\(pad((rest / 1000) % 60, 2)).\(pad(rest % 1000, 3))Z"
    }

    /// The calendar date of `ms` in `zone` as an ordinal (the zone's offset at that instant).
    public static func localDay(_ ms: Int64, _ zone: TimeZone) -> Int64 {
        let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000
        return floorDiv(ms + offset, dayMs) + epochOrdinal
    }

    /// An IANA zone name: in the known list, or (Linux Foundation leaves out "UTC" and some aliases) a name
    /// of the tz database form that TimeZone resolves; offsets such as "GMT+5" are not names.
    static func isZone(_ zone: String) -> Bool {
        if TimeZone.knownTimeZoneIdentifiers.contains(zone) { return true }
        return TimeZone(identifier: zone) != nil && matchesWhole(zone, "^[A-Za-z]+(/[A-Za-z0-9_-]+)*$")
    }
}
