import Foundation

/// The timestamps of the events files (finlite/data/timestamps.py): ISO 8601 (`2026-05-01T08:30:00Z`,
/// `2026-05-01 08:30:00+08:00`, `2026-05-01`; no offset = UTC; sub-millisecond digits truncated) or integer
/// epoch milliseconds, → epoch ms (UTC).
public enum Timestamps {
    private static let epochMs = try! NSRegularExpression(pattern: "^[+-]?[0-9]{1,18}$")
    private static let iso = try! NSRegularExpression(pattern:
        "^([0-9]{4})-([0-9]{2})-([0-9]{2})"
        + "(?:[Tt ]([01][0-9]|2[0-3])(?::([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?)?)?"
        + " ?([Zz]|([+-])([01][0-9]|2[0-3])(?::?([0-5][0-9]))?)?$")

    /// Epoch ms of an ISO 8601 time only (digits are not a time here: a policy request's or log's `at`).
    public static func parseISO(_ raw: String) throws -> Int64 {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if epochMs.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil {
            throw FinliteError.invalid("cannot parse timestamp '\(s)': expected ISO 8601")
        }
        return try parse(s)
    }

    public static func parse(_ raw: String) throws -> Int64 {
        let s = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let whole = NSRange(s.startIndex..., in: s)
        if epochMs.firstMatch(in: s, range: whole) != nil, let v = Int64(s.hasPrefix("+") ? String(s.dropFirst()) : s) {
            return v
        }
        guard let m = iso.firstMatch(in: s, range: whole) else {
            throw FinliteError.invalid("cannot parse timestamp '\(s)': expected ISO 8601 or integer epoch milliseconds")
        }
        func group(_ i: Int) -> String? {
            guard let r = Range(m.range(at: i), in: s) else { return nil }
            return String(s[r])
        }
        func int(_ i: Int) -> Int64 { group(i).flatMap { Int64($0) } ?? 0 }
        let (y, mo, d) = (int(1), int(2), int(3))
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(year: y, month: mo) else {
            throw FinliteError.invalid("cannot parse timestamp '\(s)': no such day")
        }
        let fraction = Int64(String(((group(7) ?? "") + "000").prefix(3)))!
        let sign: Int64 = group(9) == "-" ? -1 : 1
        let offsetMinutes = sign * (int(10) * 60 + int(11))
        let seconds = daysFromCivil(y, mo, d) * 86_400 + int(4) * 3600 + int(5) * 60 + int(6)
        return seconds * 1000 + fraction - offsetMinutes * 60_000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        daysFromCivil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - daysFromCivil(year, month, 1)
    }
}
