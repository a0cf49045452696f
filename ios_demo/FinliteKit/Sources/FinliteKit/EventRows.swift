import Foundation

/// One raw events-file row (`finlite.events/1`), cells as text, `""` = empty (as in golden.json).
public struct EventRow: Codable, Equatable {
    public var userId: String
    public var timestamp: String
    public var eventType: String
    public var page: String
    public var product: String
    public var amount: String
    public var dwellMs: String

    enum CodingKeys: String, CodingKey {
        case timestamp, page, product, amount
        case userId = "user_id", eventType = "event_type", dwellMs = "dwell_ms"
    }

    public init(userId: String, timestamp: String, eventType: String, page: String, product: String,
                amount: String, dwellMs: String) {
        (self.userId, self.timestamp, self.eventType, self.page) = (userId, timestamp, eventType, page)
        (self.product, self.amount, self.dwellMs) = (product, amount, dwellMs)
    }
}

/// One raw users-file row (`finlite.events/1`), cells as text.
public struct AttributeRow: Codable, Equatable {
    public var userId: String
    public var age: String
    public var riskLevel: String
    public var tenureDays: String
    /// `;`-separated products.
    public var holdings: String
    public var aumBucket: String

    enum CodingKeys: String, CodingKey {
        case age, holdings
        case userId = "user_id", riskLevel = "risk_level", tenureDays = "tenure_days", aumBucket = "aum_bucket"
    }

    public init(userId: String, age: String, riskLevel: String, tenureDays: String, holdings: String, aumBucket: String) {
        (self.userId, self.age, self.riskLevel) = (userId, age, riskLevel)
        (self.tenureDays, self.holdings, self.aumBucket) = (tenureDays, holdings, aumBucket)
    }
}

/// A parsed event: vocabulary ids, epoch ms (UTC), numerics as finlite stores them (float32; NaN = missing).
public struct Event: Equatable {
    public var tsMs: Int64
    public var eventType: Int32
    public var page: Int32
    public var product: Int32
    public var amount: Float
    public var dwellMs: Float
}

/// Parsed attributes of one user (NaN / 0 = missing, like finlite's AttributeTable).
public struct Attributes: Equatable {
    public var age: Float
    public var riskLevel: Int
    public var tenureDays: Float
    /// Multi-hot over `EventSchema.products`.
    public var holdings: [Bool]
    public var aumBucket: Int32
}

/// Parses raw rows exactly as finlite's loaders do (finlite/data/events.py): cells trimmed; unknown
/// categories → OOV; empty product → "none"; empty aum_bucket → missing; empty numerics → NaN; bad values
/// throw (`on_error="raise"`), naming the field.
public enum RowParser {
    public static func event(_ row: EventRow) throws -> Event {
        let product = trim(row.product)
        let dwell = try number(row.dwellMs, field: "dwell_ms")
        if dwell < 0 { throw FinliteError.invalid("field 'dwell_ms': negative dwell_ms \(row.dwellMs) (must be >= 0)") }
        return Event(
            tsMs: try timestamp(row.timestamp),
            eventType: EventSchema.id(of: trim(row.eventType), in: EventSchema.eventTypes),
            page: EventSchema.id(of: trim(row.page), in: EventSchema.pages),
            product: product.isEmpty ? EventSchema.firstId : EventSchema.id(of: product, in: EventSchema.products),
            amount: Float(try number(row.amount, field: "amount")),
            dwellMs: Float(dwell))
    }

    public static func attributes(_ row: AttributeRow) throws -> Attributes {
        let age = try number(row.age, field: "age")
        if !age.isNaN && !(0...120).contains(age) { throw FinliteError.invalid("field 'age': age \(row.age) out of range 0..120") }
        let risk = try number(row.riskLevel, field: "risk_level")
        if !risk.isNaN && !EventSchema.riskLevels.map(Double.init).contains(risk) {
            throw FinliteError.invalid("field 'risk_level': risk_level must be an integer 1..5, found '\(row.riskLevel)'")
        }
        let tenure = try number(row.tenureDays, field: "tenure_days")
        if tenure < 0 { throw FinliteError.invalid("field 'tenure_days': negative tenure_days \(row.tenureDays)") }
        var holdings = [Bool](repeating: false, count: EventSchema.products.count)
        for item in row.holdings.split(separator: ";", omittingEmptySubsequences: false) {
            if let j = EventSchema.products.firstIndex(of: trim(String(item))) { holdings[j] = true }
        }
        let aum = trim(row.aumBucket)
        return Attributes(
            age: Float(age), riskLevel: risk.isNaN ? 0 : Int(risk), tenureDays: Float(tenure), holdings: holdings,
            aumBucket: aum.isEmpty ? EventSchema.padId : EventSchema.id(of: aum, in: EventSchema.aumBuckets))
    }

    static func trim(_ s: String) -> String { s.trimmingCharacters(in: .whitespacesAndNewlines) }

    /// A decimal number (`12`, `-3.5`, `1e3`); empty = NaN (missing); anything else throws.
    static func number(_ raw: String, field: String) throws -> Double {
        let s = trim(raw)
        if s.isEmpty { return .nan }
        guard isDecimal(s), let v = Double(s), v.isFinite else {
            throw FinliteError.invalid("field '\(field)': not a number: '\(s)'")
        }
        return v
    }

    /// `^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$` over ASCII digits (Swift's Double() also takes inf, nan, hex).
    static func isDecimal(_ s: String) -> Bool {
        var u = Array(s.utf8)[...]
        func digits() -> Int { let n = u.prefix { $0 >= 0x30 && $0 <= 0x39 }.count; u = u.dropFirst(n); return n }
        if let c = u.first, c == 0x2B || c == 0x2D { u = u.dropFirst() }
        var mantissa = digits()
        if u.first == 0x2E { u = u.dropFirst(); mantissa += digits() }
        guard mantissa > 0 else { return false }
        if let c = u.first, c == 0x65 || c == 0x45 {
            u = u.dropFirst()
            if let c = u.first, c == 0x2B || c == 0x2D { u = u.dropFirst() }
            guard (1...3).contains(digits()) else { return false }
        }
        return u.isEmpty
    }

    private static let epochMs = try! NSRegularExpression(pattern: "^[+-]?[0-9]{1,18}$")
    private static let iso = try! NSRegularExpression(pattern:
        "^([0-9]{4})-([0-9]{2})-([0-9]{2})"
        + "(?:[Tt ]([01][0-9]|2[0-3])(?::([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?)?)?"
        + " ?([Zz]|([+-])([01][0-9]|2[0-3])(?::?([0-5][0-9]))?)?$")

    /// ISO 8601 (`2026-05-01T08:30:00Z`, `2026-05-01 08:30:00+08:00`, `2026-05-01`; no offset = UTC;
    /// sub-millisecond digits truncated) or integer epoch milliseconds → epoch ms (UTC).
    public static func timestamp(_ raw: String) throws -> Int64 {
        let s = trim(raw)
        let whole = NSRange(s.startIndex..., in: s)
        if epochMs.firstMatch(in: s, range: whole) != nil, let v = Int64(s.hasPrefix("+") ? String(s.dropFirst()) : s) {
            return v
        }
        guard let m = iso.firstMatch(in: s, range: whole) else {
            throw FinliteError.invalid("field 'timestamp': cannot parse timestamp '\(s)': expected ISO 8601 or integer epoch milliseconds")
        }
        func group(_ i: Int) -> String? {
            guard let r = Range(m.range(at: i), in: s) else { return nil }
            return String(s[r])
        }
        func int(_ i: Int) -> Int64 { group(i).flatMap { Int64($0) } ?? 0 }
        let (y, mo, d) = (int(1), int(2), int(3))
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(year: y, month: mo) else {
            throw FinliteError.invalid("field 'timestamp': cannot parse timestamp '\(s)': no such day")
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
